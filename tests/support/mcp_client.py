"""A stand-in MCP client for sk's tests, built on the stdio client of the Python `mcp`
package (the SDK of the protocol's authors, not skipper's code).

Usage: mcp_client.py SK [ARG...]. Starts `SK ARG...` as an MCP server over stdio with this
process's environment, initializes a session and lists the tools, printing one JSON line:
{"server": ..., "tools": [{"name", "input_schema"}]}. Then, for each JSON line read from
stdin ({"tool": NAME, "arguments": {...}}), calls the tool and prints one JSON line:
{"is_error", "structured", "text"}, or {"protocol_error": MESSAGE} when the server answered
with a JSON-RPC error. Ends, closing the session, at the end of stdin.
"""

import asyncio
import json
import os
import sys

from mcp import ClientSession, MCPError, StdioServerParameters
from mcp.client.stdio import stdio_client


def emit(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


async def main():
    server = StdioServerParameters(command=sys.argv[1], args=sys.argv[2:], env=dict(os.environ))
    async with stdio_client(server) as (read, write):
        async with ClientSession(read, write) as session:
            initialized = await session.initialize()
            listed = await session.list_tools()
            emit(
                {
                    "server": initialized.server_info.name,
                    "tools": [{"name": tool.name, "input_schema": tool.input_schema} for tool in listed.tools],
                }
            )
            loop = asyncio.get_running_loop()
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    break
                request = json.loads(line)
                try:
                    result = await session.call_tool(request["tool"], request.get("arguments"))
                except MCPError as err:
                    emit({"protocol_error": str(err)})
                    continue
                emit(
                    {
                        "is_error": result.is_error,
                        "structured": result.structured_content,
                        "text": [block.text for block in result.content if block.type == "text"],
                    }
                )


asyncio.run(main())
