"""A real MCP client written with the Python SDK (mcp 2.3): runs one fixed scenario and prints
what it saw as JSON, so a test can compare the view through mcp-tap with the view direct.

    python py-client.py --mode auto|legacy|2026-07-28 --url http://127.0.0.1:PORT/mcp
    python py-client.py --mode auto -- <server command...>
"""
import asyncio
import json
import sys

from mcp import Client, StdioServerParameters
from mcp.shared.exceptions import MCPError


def plain(value):
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return value


async def main(argv):
    mode = argv[argv.index("--mode") + 1] if "--mode" in argv else "auto"
    if "--url" in argv:
        target = argv[argv.index("--url") + 1]
    else:
        command = argv[argv.index("--") + 1 :]
        target = StdioServerParameters(command=command[0], args=command[1:])
    view = {"steps": []}
    progress = []
    async with Client(target, mode=mode) as client:
        view["protocolVersion"] = client.protocol_version
        info = client.server_info
        view["server"] = plain(info) if info is not None else None
        tools = await client.list_tools()
        view["steps"].append({"name": "tools/list", "result": sorted(t.name for t in tools.tools)})
        echo = await client.call_tool("echo", {"message": "hello"})
        view["steps"].append({"name": "echo", "result": [c.text for c in echo.content]})

        async def on_progress(value, total, message):
            progress.append({"progress": value, "total": total})

        count = await client.call_tool("count", {"steps": 3}, progress_callback=on_progress)
        view["steps"].append({"name": "count", "result": [c.text for c in count.content]})
        view["progress"] = progress
        # A server may say so with a tool error result (the Python SDK's) or a JSON-RPC error (the
        # TypeScript SDK's): both are what the client saw.
        try:
            missing = await client.call_tool("no-such-tool", {})
            view["steps"].append({"name": "missing tool", "result": {"isError": missing.is_error, "text": [c.text for c in missing.content]}})
        except MCPError as error:
            view["steps"].append({"name": "missing tool", "error": {"code": error.code, "message": error.message}})
    print(json.dumps(view, indent=2))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
