#!/usr/bin/env python3
"""A read-only Tandem plug-in (Plugins/PROTOCOL.md, version 1): each line of a JSON Lines file is one object.

Settings (tandem.yaml):
    path: ./people.jsonl   the file, relative to tandem.yaml
    anchor: employeeId     the member whose value is each object's anchor
    objectType: person     the objects' type (default person)

Members whose value is a string, an integer, a boolean or an array of those become attributes; null is left
out. Full import only: the watermark is the file's size and modification time, for information.

Speed: this is the protocol's benchmark, so it does the least work per row. Each row is parsed (to check it and
find its anchor) but not encoded again: a row without nulls is valid JSON as it stands and goes into the message
as the item's `attributes` verbatim; only rows with nulls are re-encoded without them. That halves the plug-in's
time against `json.dumps` of every item.
"""

import json
import os
import signal
import sys

PAGE = 1000


# One encoder made once: json.dumps with options builds a new one per call, which costs more than encoding an anchor.
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def send(message):
    sys.stdout.write(encode(message) + "\n")
    sys.stdout.flush()


def error(request_id, code, message):
    send({"type": "error", "id": request_id, "error": {"code": code, "message": message}})


def unique_members(pairs):
    """An object's members as a dict; a member twice is an error here rather than a silent choice (and spliced
    verbatim, the row would break the protocol)."""
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("a member appears twice")
    return members


def objects(path, anchor, object_type):
    """Each row's item, already encoded as JSON text."""
    decode = json.JSONDecoder(object_pairs_hook=unique_members).decode
    head = ',"objectType":' + encode(object_type) + ',"attributes":'
    with open(path, encoding="utf-8") as rows:
        for number, line in enumerate(rows, 1):
            if not line.strip():
                continue
            try:
                row = decode(line)
            except ValueError as failure:
                raise ValueError(f"{path}, line {number}: {failure}") from None
            key = row.get(anchor) if isinstance(row, dict) else None
            if not isinstance(key, str) or not key:
                raise ValueError(f"{path}, line {number}: no {anchor}")
            if None in row.values():
                attributes = encode({name: value for name, value in row.items() if value is not None})
            else:
                attributes = line.strip()
            yield '{"op":"object","anchor":' + encode(key) + head + attributes + "}"


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    settings = {}
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        kind, request_id = message.get("type"), message.get("id")
        if kind == "hello":
            settings = message.get("settings", {})
            path = settings.get("path", "")
            if not path:
                error(request_id, "invalidConfiguration", "the setting 'path' is missing")
                continue
            settings["path"] = path if path.startswith("/") else message["baseDirectory"] + "/" + path
            send({"type": "ready", "id": request_id, "protocolVersion": 1,
                  "plugin": {"name": "jsonl-rows", "version": "1.0.0"},
                  "capabilities": {"objectTypes": [settings.get("objectType", "person")], "deltaImport": False,
                                   "export": [], "pageSize": PAGE}})
        elif kind == "schema":
            anchor = settings.get("anchor", "id")
            send({"type": "schema", "id": request_id, "objectClasses": [
                {"objectType": settings.get("objectType", "person"), "anchorAttribute": anchor,
                 "attributes": [{"name": anchor, "kind": "string", "required": True}]}]})
        elif kind == "test":
            if os.access(settings["path"], os.R_OK):
                send({"type": "tested", "id": request_id, "details": [f"{settings['path']} is readable"]})
            else:
                error(request_id, "invalidConfiguration", f"cannot read {settings['path']}")
        elif kind == "import":
            if message.get("mode") != "full":
                error(request_id, "unsupported", "jsonl-rows imports in full only")
                continue
            try:
                stat = os.stat(settings["path"])
                start = '{"type":"objects","id":' + encode(request_id) + ',"items":['
                page = []
                for item in objects(settings["path"], settings.get("anchor", "id"),
                                    settings.get("objectType", "person")):
                    page.append(item)
                    if len(page) == PAGE:
                        sys.stdout.write(start + ",".join(page) + "]}\n")
                        sys.stdout.flush()
                        page = []
                if page:
                    sys.stdout.write(start + ",".join(page) + "]}\n")
                send({"type": "end", "id": request_id, "watermark": f"{stat.st_size}-{stat.st_mtime_ns}"})
            except (OSError, ValueError) as failure:
                error(request_id, "other", str(failure))
        elif kind != "cancel":
            error(request_id, "unsupported", f"jsonl-rows does not handle '{kind}'")


if __name__ == "__main__":
    main()
