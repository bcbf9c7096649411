#!/usr/bin/env python3
"""A Tandem plug-in (Plugins/PROTOCOL.md, version 1): people and departments from an HR database in SQLite.

Settings (tandem.yaml):
    database: ./hr.db     the SQLite file, relative to tandem.yaml
    create: true          create the tables when they are missing (default false)
    readOnly: true        refuse exports (default false)

Delta import: triggers record every insert, update and delete of people, their phones and departments in a
`changes` table; the watermark is the last change's sequence number. The triggers are installed (if missing)
whenever the plug-in opens the database, so changes made by any program are seen.

Only Python's standard library is used. Logs go to standard error; standard output carries the protocol.
"""

import base64
import json
import queue
import signal
import sqlite3
import sys
import threading

PROTOCOL_VERSION = 1
VERSION = "1.0.0"

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS departments (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, parent TEXT, manager TEXT);
CREATE TABLE IF NOT EXISTS people (
    employee_id TEXT PRIMARY KEY, given_name TEXT, surname TEXT, display_name TEXT, mail TEXT, title TEXT,
    department TEXT, manager TEXT, hire_date TEXT, active INTEGER, photo BLOB);
CREATE TABLE IF NOT EXISTS phones (
    employee_id TEXT NOT NULL, position INTEGER NOT NULL, phone TEXT NOT NULL,
    PRIMARY KEY (employee_id, position));
"""

TRACKING_SQL = """
CREATE TABLE IF NOT EXISTS changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, object_type TEXT NOT NULL, anchor TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS people_insert AFTER INSERT ON people BEGIN
    INSERT INTO changes (object_type, anchor) VALUES ('person', NEW.employee_id); END;
CREATE TRIGGER IF NOT EXISTS people_update AFTER UPDATE ON people BEGIN
    INSERT INTO changes (object_type, anchor) VALUES ('person', OLD.employee_id);
    INSERT INTO changes (object_type, anchor) SELECT 'person', NEW.employee_id
        WHERE NEW.employee_id <> OLD.employee_id; END;
CREATE TRIGGER IF NOT EXISTS people_delete AFTER DELETE ON people BEGIN
    INSERT INTO changes (object_type, anchor) VALUES ('person', OLD.employee_id); END;
CREATE TRIGGER IF NOT EXISTS phones_insert AFTER INSERT ON phones BEGIN
    INSERT INTO changes (object_type, anchor) VALUES ('person', NEW.employee_id); END;
CREATE TRIGGER IF NOT EXISTS phones_delete AFTER DELETE ON phones BEGIN
    INSERT INTO changes (object_type, anchor) VALUES ('person', OLD.employee_id); END;
CREATE TRIGGER IF NOT EXISTS departments_insert AFTER INSERT ON departments BEGIN
    INSERT INTO changes (object_type, anchor) VALUES ('department', NEW.id); END;
CREATE TRIGGER IF NOT EXISTS departments_update AFTER UPDATE ON departments BEGIN
    INSERT INTO changes (object_type, anchor) VALUES ('department', OLD.id); END;
CREATE TRIGGER IF NOT EXISTS departments_delete AFTER DELETE ON departments BEGIN
    INSERT INTO changes (object_type, anchor) VALUES ('department', OLD.id); END;
"""

# Attribute name -> (column, kind). Phones live in their own table (multi-valued).
PERSON = {
    "employeeId": ("employee_id", "string"),
    "givenName": ("given_name", "string"),
    "surname": ("surname", "string"),
    "displayName": ("display_name", "string"),
    "mail": ("mail", "string"),
    "title": ("title", "string"),
    "department": ("department", "reference"),
    "manager": ("manager", "reference"),
    "hireDate": ("hire_date", "date"),
    "active": ("active", "boolean"),
    "photo": ("photo", "binary"),
}
DEPARTMENT = {
    "departmentId": ("id", "string"),
    "name": ("name", "string"),
    "parent": ("parent", "reference"),
    "manager": ("manager", "reference"),
}
TYPES = {"person": ("people", "employee_id", PERSON), "department": ("departments", "id", DEPARTMENT)}
REFERENCED = {("person", "department"): "department", ("person", "manager"): "person",
              ("department", "parent"): "department", ("department", "manager"): "person"}


class PluginError(Exception):
    """An error with one of ConnectorKit's codes (PROTOCOL.md § 6)."""

    def __init__(self, code, message, anchor=None, system_code=None):
        super().__init__(message)
        self.code, self.message, self.anchor, self.system_code = code, message, anchor, system_code

    def encode(self):
        error = {"code": self.code, "message": self.message}
        if self.anchor is not None:
            error["anchor"] = self.anchor
        if self.system_code is not None:
            error["systemCode"] = self.system_code
        return error


def log(text):
    print(f"hr-sqlite: {text}", file=sys.stderr, flush=True)


def send(message):
    sys.stdout.write(json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


class Requests:
    """Reads requests on a thread so that the main loop can notice `cancel` between pages (PROTOCOL.md § 5)."""

    def __init__(self):
        self.queue = queue.Queue()
        self.cancelled = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in sys.stdin:
            if not line.strip():
                continue
            message = json.loads(line)
            if message.get("type") == "cancel":
                self.cancelled.add(message.get("id"))
            else:
                self.queue.put(message)
        self.queue.put(None)  # end of file: exit

    def next(self):
        return self.queue.get()

    def cancel_requested(self, request_id):
        return request_id in self.cancelled


# Values (PROTOCOL.md § 4.4)

def encode_value(kind, value):
    if kind == "reference":
        return {"reference": value}
    if kind == "date":
        return {"date": value}
    if kind == "binary":
        return {"binary": base64.b64encode(value).decode("ascii")}
    if kind == "boolean":
        return bool(value)
    return value


def decode_value(kind, value, name):
    expected = {"string": str, "integer": int, "boolean": bool}
    if kind in expected and isinstance(value, expected[kind]):
        return value
    if kind in ("reference", "date", "binary") and isinstance(value, dict) and set(value) == {kind}:
        payload = value[kind]
        if kind == "binary":
            return base64.b64decode(payload, validate=True)
        return payload
    raise PluginError("schema", f"attribute '{name}' takes {kind} values")


class Database:
    def __init__(self, path, create):
        self.path = path
        try:
            mode = "rwc" if create else "rw"
            self.connection = sqlite3.connect(f"file:{path}?mode={mode}", uri=True, isolation_level=None)
        except sqlite3.Error as error:
            raise PluginError("invalidConfiguration", f"cannot open the database {path}: {error}")
        self.connection.execute("PRAGMA busy_timeout = 5000")
        if create:
            self.connection.executescript(SCHEMA_SQL)
        tables = {row[0] for row in self.connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = {"people", "departments", "phones"} - tables
        if missing:
            raise PluginError("invalidConfiguration",
                              f"{path} has no table {', '.join(sorted(missing))}; set create: true to create them")
        self.connection.executescript(TRACKING_SQL)

    def watermark(self):
        return self.connection.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]

    def rows(self, object_type, anchors=None):
        """Objects of one type (all, or those with the given anchors) in the protocol's encoding."""
        table, key, attributes = TYPES[object_type]
        columns = ", ".join(column for column, _ in attributes.values())
        if anchors is None:
            cursor = self.connection.execute(f"SELECT {columns} FROM {table} ORDER BY {key}")
        else:
            marks = ", ".join("?" * len(anchors))
            cursor = self.connection.execute(f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})", anchors)
        while True:
            rows = cursor.fetchmany(500)
            if not rows:
                return
            phones = self.phones([row[0] for row in rows]) if object_type == "person" else {}
            for row in rows:
                values = {}
                for (name, (_, kind)), value in zip(attributes.items(), row):
                    if value is not None:
                        values[name] = [encode_value(kind, value)]
                if row[0] in phones:
                    values["phones"] = phones[row[0]]
                yield {"op": "object", "anchor": row[0], "objectType": object_type, "attributes": values}

    def phones(self, anchors):
        found = {}
        marks = ", ".join("?" * len(anchors))
        query = f"SELECT employee_id, phone FROM phones WHERE employee_id IN ({marks}) ORDER BY employee_id, position"
        for anchor, phone in self.connection.execute(query, anchors):
            found.setdefault(anchor, []).append(phone)
        return found

    def changed_since(self, watermark, until):
        query = ("SELECT object_type, anchor FROM changes WHERE seq > ? AND seq <= ? "
                 "GROUP BY object_type, anchor ORDER BY MIN(seq)")
        return self.connection.execute(query, (watermark, until)).fetchall()

    # Export (PROTOCOL.md § 4.6): each change in its own transaction.

    def current(self, object_type, anchor):
        found = list(self.rows(object_type, [anchor]))
        return found[0]["attributes"] if found else None

    def apply(self, change):
        op, object_type, anchor = change["op"], change.get("objectType"), change.get("anchor", "")
        if object_type not in TYPES:
            raise PluginError("schema", f"unknown object type '{object_type}'", anchor)
        table, key, attributes = TYPES[object_type]
        anchor_attribute = next(name for name, (column, _) in attributes.items() if column == key)
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            if op == "add":
                values = dict(change.get("attributes", {}))
                anchor = anchor or (values.get(anchor_attribute) or [""])[0]
                if not anchor:
                    raise PluginError("schema", f"a {object_type} needs {anchor_attribute} (its anchor)")
                if self.current(object_type, anchor) is not None:
                    raise PluginError("conflict", f"{object_type} {anchor} exists already", anchor)
                values[anchor_attribute] = [anchor]
                self.connection.execute(f"INSERT INTO {table} ({key}) VALUES (?)", (anchor,))
                self.write(object_type, anchor, values)
            elif op == "update":
                values = self.current(object_type, anchor)
                if values is None:
                    raise PluginError("notFound", f"no {object_type} {anchor}", anchor)
                for step in change.get("changes", []):
                    name, given = step["attribute"], step.get("values", [])
                    if name == anchor_attribute:
                        raise PluginError("constraint", f"{anchor_attribute} is the anchor and never changes", anchor)
                    now = values.get(name, [])
                    if step["op"] == "replace":
                        now = list(given)
                    elif step["op"] == "add":
                        now = now + [value for value in given if value not in now]
                    elif step["op"] == "remove":
                        now = [value for value in now if value not in given]
                    values[name] = now
                self.write(object_type, anchor, values)
            elif op == "delete":
                if self.current(object_type, anchor) is None:
                    raise PluginError("notFound", f"no {object_type} {anchor}", anchor)
                self.connection.execute(f"DELETE FROM {table} WHERE {key} = ?", (anchor,))
                if object_type == "person":
                    self.connection.execute("DELETE FROM phones WHERE employee_id = ?", (anchor,))
            else:
                raise PluginError("unsupported", f"hr-sqlite does not export {op}s", anchor)
            self.connection.execute("COMMIT")
            return anchor
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise

    def write(self, object_type, anchor, values):
        """Sets every column (and the phones) of one existing row from protocol-encoded values."""
        table, key, attributes = TYPES[object_type]
        allowed = set(attributes) | ({"phones"} if object_type == "person" else set())
        for name in values:
            if name not in allowed:
                raise PluginError("schema", f"a {object_type} has no attribute '{name}'", anchor)
        assignments, parameters = [], []
        for name, (column, kind) in attributes.items():
            if column == key:
                continue
            given = values.get(name) or []
            if len(given) > 1:
                raise PluginError("schema", f"attribute '{name}' is single-valued", anchor)
            assignments.append(f"{column} = ?")
            parameters.append(decode_value(kind, given[0], name) if given else None)
        self.connection.execute(f"UPDATE {table} SET {', '.join(assignments)} WHERE {key} = ?", parameters + [anchor])
        if object_type == "person":
            phones = [decode_value("string", phone, "phones") for phone in values.get("phones") or []]
            old = [row[0] for row in self.connection.execute(
                "SELECT phone FROM phones WHERE employee_id = ? ORDER BY position", (anchor,))]
            if phones != old:
                self.connection.execute("DELETE FROM phones WHERE employee_id = ?", (anchor,))
                self.connection.executemany("INSERT INTO phones (employee_id, position, phone) VALUES (?, ?, ?)",
                                            [(anchor, position, phone) for position, phone in enumerate(phones)])


def schema():
    classes = []
    for object_type, (_, key, attributes) in sorted(TYPES.items()):
        described = []
        for name, (column, kind) in attributes.items():
            attribute = {"name": name, "kind": kind, "required": column == key}
            if kind == "reference":
                attribute["referencedTypes"] = [REFERENCED[(object_type, name)]]
            described.append(attribute)
        if object_type == "person":
            described.append({"name": "phones", "kind": "string", "multiValued": True})
        anchor = next(name for name, (column, _) in attributes.items() if column == key)
        classes.append({"objectType": object_type, "anchorAttribute": anchor, "attributes": described})
    return classes


class Plugin:
    def __init__(self, requests):
        self.requests = requests
        self.database = None
        self.read_only = False
        self.page_size = 500

    def hello(self, message):
        if message.get("protocolVersion") != PROTOCOL_VERSION:
            raise PluginError("unsupported", f"hr-sqlite speaks protocol version {PROTOCOL_VERSION}")
        settings = message.get("settings", {})
        path = settings.get("database")
        if not isinstance(path, str) or not path:
            raise PluginError("invalidConfiguration", "the setting 'database' (the SQLite file) is missing")
        if not path.startswith("/"):
            path = message["baseDirectory"] + "/" + path
        self.read_only = settings.get("readOnly", False) is True
        self.database = Database(path, settings.get("create", False) is True)
        export = [] if self.read_only else ["add", "update", "delete"]
        return {"type": "ready", "protocolVersion": PROTOCOL_VERSION,
                "plugin": {"name": "hr-sqlite", "version": VERSION},
                "capabilities": {"objectTypes": ["department", "person"], "deltaImport": True, "export": export,
                                 "referenceAttributes": ["department", "manager", "parent"],
                                 "pageSize": self.page_size}}

    def test(self, _):
        connection = self.database.connection
        people = connection.execute("SELECT COUNT(*) FROM people").fetchone()[0]
        departments = connection.execute("SELECT COUNT(*) FROM departments").fetchone()[0]
        return {"type": "tested", "details": [f"opened {self.database.path} (SQLite {sqlite3.sqlite_version})",
                                              f"{people} people, {departments} departments",
                                              f"change tracking at {self.database.watermark()}"]}

    def import_(self, message):
        request_id, connection = message["id"], self.database.connection
        connection.execute("BEGIN")  # one snapshot for the watermark and the reads
        try:
            watermark = self.database.watermark()
            if message.get("mode") == "delta":
                try:
                    since = int(message.get("watermark", ""))
                except ValueError:
                    raise PluginError("invalidConfiguration", "the watermark was not written by hr-sqlite")
                items = self.delta(since, watermark)
            else:
                items = (item for object_type in ("department", "person") for item in self.database.rows(object_type))
            page = []
            for item in items:
                page.append(item)
                if len(page) == self.page_size:
                    if self.requests.cancel_requested(request_id):
                        raise PluginError("cancelled", "import cancelled")
                    send({"type": "objects", "id": request_id, "items": page})
                    page = []
            if page:
                send({"type": "objects", "id": request_id, "items": page})
        finally:
            connection.execute("COMMIT")
        return {"type": "end", "watermark": str(watermark)}

    def delta(self, since, until):
        for object_type, anchor in self.database.changed_since(since, until):
            found = list(self.database.rows(object_type, [anchor]))
            yield found[0] if found else {"op": "delete", "anchor": anchor, "objectType": object_type}

    def export(self, message):
        results = []
        for change in message.get("changes", []):
            try:
                if self.read_only:
                    raise PluginError("unsupported", "the connector is read-only", change.get("anchor"))
                results.append({"ok": True, "anchor": self.database.apply(change)})
            except PluginError as error:
                results.append({"ok": False, "error": error.encode()})
            except sqlite3.IntegrityError as error:
                failure = PluginError("constraint", str(error), change.get("anchor"), "SQLITE_CONSTRAINT")
                results.append({"ok": False, "error": failure.encode()})
        return {"type": "exported", "results": results}

    def serve(self):
        handlers = {"hello": self.hello, "schema": lambda _: {"type": "schema", "objectClasses": schema()},
                    "test": self.test, "import": self.import_, "export": self.export}
        while (message := self.requests.next()) is not None:
            request_id, kind = message.get("id"), message.get("type")
            try:
                if kind not in handlers:
                    raise PluginError("protocolViolation", f"unknown request type '{kind}'")
                if kind != "hello" and self.database is None:
                    raise PluginError("protocolViolation", "the first request must be hello")
                reply = handlers[kind](message)
            except PluginError as error:
                reply = {"type": "error", "error": error.encode()}
            except sqlite3.OperationalError as error:
                reply = {"type": "error", "error": PluginError("transient", str(error), None, "SQLITE_ERROR").encode()}
            reply["id"] = request_id
            send(reply)


def main():
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Tandem sends cancel instead (PROTOCOL.md § 4.8)
    sys.stdout.reconfigure(encoding="utf-8", newline="\n")
    Plugin(Requests()).serve()


if __name__ == "__main__":
    main()
