"""A real MCP server written with the Python SDK (mcp 2.3): the same server for both protocol
eras, over stdio or Streamable HTTP.

    python py-server.py stdio
    python py-server.py http PORT        (Streamable HTTP at http://127.0.0.1:PORT/mcp)

Tools: echo {message}, count {steps} (progress when the call carries a progressToken)."""
import asyncio
import sys

from mcp.server import MCPServer
from mcp.server.mcpserver import Context

server = MCPServer("py-peer-server")


@server.tool()
def echo(message: str) -> str:
    """Echoes its message."""
    return f"echo: {message}"


@server.tool()
async def count(steps: int, ctx: Context) -> str:
    """Counts to steps, reporting progress."""
    for i in range(1, steps + 1):
        await ctx.report_progress(i, steps)
        await asyncio.sleep(0.005)
    return f"counted to {steps}"


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    if mode == "http":
        port = int(sys.argv[2]) if len(sys.argv) > 2 else 8000
        server.run(transport="streamable-http", host="127.0.0.1", port=port)
    else:
        server.run()
