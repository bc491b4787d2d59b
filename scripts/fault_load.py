#!/usr/bin/env python3
"""Load and proof for scripts/fault-kill.sh (standard library only).

  fault_load.py load BASE LEARNERS ACKS SECONDS
      Signs the learners in, then runs a bounded load from one thread per learner: every lesson
      of every course completed, every test-mode quiz started and submitted. Each write the
      server acknowledged with a 2xx is appended to ACKS (one JSON line, flushed before the
      next request), so the file survives whatever happens to the server. Stops after SECONDS,
      when the courses run out, or when the server stops answering.

  fault_load.py verify ACKS DB
      Proves every acknowledged write is in the database: DB is an SQLite file path or a
      postgres:// URL (read with psql). Prints the counts; exits 1 on any write lost.

  fault_load.py outage BASE TOKEN SECONDS OUT
      Polls a read that needs the database every 0.2 s for SECONDS, and records each answer's
      status, error key and message (JSON lines in OUT): the PostgreSQL restart's evidence.
"""

import json
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def call(base, method, path, token=None, body=None, timeout=15):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read() or b"null")
        except ValueError:
            return e.code, None


def load(base, learners, acks_path, seconds):
    deadline = time.time() + seconds
    lock = threading.Lock()
    acks = open(acks_path, "a", encoding="utf-8")
    stats = {"acked": 0, "refused": 0, "errors": 0}

    def ack(record):
        with lock:
            acks.write(json.dumps(record) + "\n")
            acks.flush()
            stats["acked"] += 1

    def learner(name):
        try:
            status, body = call(base, "POST", "/api/v1/auth/login", None,
                                {"username": name, "password": "mat-khau-dai"})
            if status != 200:
                with lock:
                    stats["refused"] += 1
                return
            token = body["token"]
            _, me = call(base, "GET", "/api/v1/me", token)
            uid = me["id"]
            _, courses = call(base, "GET", "/api/v1/courses", token)
            course_ids = [c["id"] for c in courses]
            for cid in course_ids:
                _, course = call(base, "GET", f"/api/v1/courses/{cid}", token)
                for lesson in course.get("lessons", []):
                    if time.time() > deadline:
                        return
                    lid = lesson["id"]
                    status, _ = call(base, "POST",
                                     f"/api/v1/courses/{cid}/lessons/{lid}/complete", token, {})
                    if 200 <= status < 300:
                        ack({"kind": "lesson", "user": uid, "course": cid, "lesson": lid})
                    else:
                        with lock:
                            stats["refused"] += 1
                for quiz in course.get("quizzes", []):
                    if time.time() > deadline:
                        return
                    if quiz.get("mode", "test") != "test":
                        continue
                    qid = quiz["id"]
                    status, att = call(base, "POST",
                                       f"/api/v1/courses/{cid}/quizzes/{qid}/attempts", token, {})
                    if not 200 <= status < 300:
                        continue
                    aid = att["attempt_id"]
                    status, _ = call(base, "POST", f"/api/v1/attempts/{aid}/submit", token,
                                     {"answers": {}})
                    if 200 <= status < 300:
                        ack({"kind": "submission", "user": uid, "attempt": aid})
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError,
                KeyError, TypeError):
            # The server was killed, or answered 503 where a body was needed (the database
            # restarting): this learner's load ends here.
            with lock:
                stats["errors"] += 1

    threads = [threading.Thread(target=learner, args=(n,)) for n in learners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    acks.close()
    print(json.dumps(stats))


def rows(db, sql):
    if db.startswith("postgres"):
        out = subprocess.run(["psql", db, "-At", "-F", "\t", "-c", sql],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]
    con = sqlite3.connect(db)
    try:
        return [tuple(str(v) for v in r) for r in con.execute(sql)]
    finally:
        con.close()


def verify(acks_path, db):
    acked = [json.loads(line) for line in open(acks_path, encoding="utf-8") if line.strip()]
    lessons = set(rows(db, "SELECT user_id, course_id, lesson_id FROM lesson_completions"))
    graded = {r[0] for r in rows(
        db, "SELECT id FROM quiz_attempts WHERE state IN ('graded', 'submitted')")}
    lost = []
    for a in acked:
        if a["kind"] == "lesson":
            if (str(a["user"]), a["course"], a["lesson"]) not in lessons:
                lost.append(a)
        elif a["attempt"] not in graded:
            lost.append(a)
    kinds = {k: sum(1 for a in acked if a["kind"] == k) for k in ("lesson", "submission")}
    print(f"acknowledged: {kinds['lesson']} lesson completions, "
          f"{kinds['submission']} quiz submissions; lost: {len(lost)}")
    for a in lost[:20]:
        print("LOST", json.dumps(a))
    sys.exit(1 if lost or not acked else 0)


def outage(base, token, seconds, out_path):
    deadline = time.time() + seconds
    with open(out_path, "a", encoding="utf-8") as out:
        while time.time() < deadline:
            started = time.time()
            try:
                status, body = call(base, "GET", "/api/v1/me/progress", token, timeout=30)
            except (urllib.error.URLError, OSError) as e:
                status, body = 0, {"error": "no_answer", "message": str(e)}
            body = body if isinstance(body, dict) else {}
            out.write(json.dumps({"status": status, "error": body.get("error"),
                                  "message": body.get("message"),
                                  "seconds": round(time.time() - started, 3)}) + "\n")
            out.flush()
            time.sleep(0.2)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "load":
        load(sys.argv[2], sys.argv[3].split(","), sys.argv[4], float(sys.argv[5]))
    elif cmd == "verify":
        verify(sys.argv[2], sys.argv[3])
    elif cmd == "outage":
        outage(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)
