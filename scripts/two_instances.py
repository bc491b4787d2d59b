"""The checks of scripts/two-instances.sh: two instances of one server on one PostgreSQL database,
reached directly and through nginx. Starts and stops the instances itself (it kills one and
drains the other). Every check prints "ok: …"; the first failure stops with a message."""

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

BIN = os.environ["HOCVUSO_BIN"]
TMP = os.environ["TWO_TMP"]
LB = int(os.environ["TWO_PORT"])
PORTS = {"a": LB + 1, "b": LB + 2}
LEARNERS = int(os.environ.get("TWO_LEARNERS", "16"))
DB = os.environ["HOCVUSO_DATABASE_URL"]
COURSE = "thu-nghiem"
procs = {}


def fail(msg):
    print(f"FAILED: {msg}")
    sys.exit(1)


def ok(msg):
    print(f"ok: {msg}", flush=True)


def call(port, method, path, token=None, body=None, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    try:
        return r.status, json.loads(data) if data else None
    except ValueError:
        return r.status, None


def sql(query):
    out = subprocess.run(["psql", DB, "-At", "-c", query], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def start(name):
    env = dict(os.environ, HOCVUSO_BIND=f"127.0.0.1:{PORTS[name]}")
    log = open(f"{TMP}/{name}.log", "a")
    p = subprocess.Popen([BIN, "serve"], env=env, stderr=log, stdout=log)
    procs[name] = p
    with open(f"{TMP}/{name}.pid", "w") as f:
        f.write(str(p.pid))
    for _ in range(300):
        try:
            if call(PORTS[name], "GET", "/readyz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        if p.poll() is not None:
            fail(f"instance {name} exited at start; see its log")
        time.sleep(0.1)
    fail(f"instance {name} never became ready")


def login(port, username):
    s, b = call(port, "POST", "/api/v1/auth/login", body={"username": username, "password": "mat-khau-dai"})
    if s != 200:
        fail(f"sign-in of {username} answered {s}")
    return b["token"]


# The fixture course's questions, answered right (tests/fixtures/content/courses/thu-nghiem).
ORDER = ["Không đọc mã", "Cúp máy", "Gọi tổng đài"]
MATCH = {"Công an": "113", "Cứu hỏa": "114", "Cấp cứu": "115"}


def right_answers(questions):
    answers = {}
    for q in questions:
        opts = q.get("options", [])
        kind = q["type"]
        if kind == "single_choice":
            answers[q["id"]] = [o["id"] for o in opts if "Không đọc mã" in o["text"]]
        elif kind == "multiple_choice":
            answers[q["id"]] = [o["id"] for o in opts if "hai bước" in o["text"] or "mật khẩu dài" in o["text"]]
        elif kind == "true_false":
            answers[q["id"]] = False
        elif kind == "short_answer":
            answers[q["id"]] = "VNeID"
        elif kind == "numerical":
            answers[q["id"]] = 113
        elif kind == "matching":
            answers[q["id"]] = {
                l["id"]: next(o["id"] for o in opts if o["text"].strip() == MATCH[k])
                for l in q["left"] for k in MATCH if k in l["text"]
            }
        elif kind == "ordering":
            answers[q["id"]] = [o["id"] for step in ORDER for o in opts if step in o["text"]]
        elif kind == "hotspot":
            answers[q["id"]] = {"x": 100, "y": 210}
    return answers


def main():
    start("a")
    start("b")
    for _ in range(100):
        try:
            if call(LB, "GET", "/readyz", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.1)
    else:
        fail("nginx does not answer")
    ok("two instances ready behind nginx")

    # Sessions across instances, and a sign-out on one honoured by the other.
    names = sql(
        "select username from users u where username like 'hv%' and not exists "
        f"(select 1 from course_completions c where c.user_id = u.id) order by id limit {LEARNERS + 41}"
    ).split()
    if len(names) < LEARNERS + 41:
        fail("the seed left too few learners without completions")
    token = login(PORTS["a"], names[0])
    if call(PORTS["b"], "GET", "/api/v1/me", token)[0] != 200:
        fail("a session made on instance a is not honoured by instance b")
    if call(PORTS["b"], "POST", "/api/v1/auth/logout", token)[0] not in (200, 204):
        fail("signing out on instance b failed")
    for name in ("a", "b"):
        if call(PORTS[name], "GET", "/api/v1/me", token)[0] != 401:
            fail(f"a session signed out on instance b is still honoured by instance {name}")
    ok("a session works on both instances; signed out on one, it is refused by both")

    # A key rotation next to the running instances is seen by both.
    kids = lambda port: {k["kid"] for k in call(port, "GET", "/.well-known/jwks.json")[1]["keys"]}
    before = kids(PORTS["a"])
    subprocess.run([BIN, "keys", "rotate"], check=True, capture_output=True)
    for name in ("a", "b"):
        new = kids(PORTS[name]) - before
        if len(new) != 1:
            fail(f"instance {name} does not publish the rotated key")
    ok("a key rotation is published by both instances")

    # Learners complete the course concurrently through nginx; the last lesson goes to both
    # instances at the same moment.
    learners = names[1 : LEARNERS + 1]
    s, course = call(LB, "GET", f"/api/v1/courses/{COURSE}", login(LB, learners[0]))
    lessons = [l["id"] for l in course["lessons"]]
    quiz = course["quizzes"][0]["id"]

    def finish(username):
        t = login(LB, username)
        for lesson in lessons[:-1]:
            s, _ = call(LB, "POST", f"/api/v1/courses/{COURSE}/lessons/{lesson}/complete", t)
            if s != 200:
                return f"{username}: lesson answered {s}"
        s, attempt = call(LB, "POST", f"/api/v1/courses/{COURSE}/quizzes/{quiz}/attempts", t)
        if s != 201:
            return f"{username}: starting the quiz answered {s}"
        s, graded = call(LB, "POST", f"/api/v1/attempts/{attempt['attempt_id']}/submit", t,
                         {"answers": right_answers(attempt["questions"])})
        if s != 200 or not graded["passed"]:
            return f"{username}: the right answers did not pass ({s}, {graded})"
        results = []
        barrier = threading.Barrier(2)

        def last(port):
            barrier.wait()
            results.append(call(port, "POST", f"/api/v1/courses/{COURSE}/lessons/{lessons[-1]}/complete", t))

        both = [threading.Thread(target=last, args=(PORTS[n],)) for n in ("a", "b")]
        for th in both:
            th.start()
        for th in both:
            th.join()
        statuses = sorted(r[0] for r in results)
        completed = [r[1] for r in results if r[0] == 200 and r[1]["course_completed"]]
        if statuses != [200, 200] or len(completed) != 1:
            return f"{username}: the last lesson on both instances answered {results}"
        return None

    with ThreadPoolExecutor(8) as pool:
        problems = [p for p in pool.map(finish, learners) if p]
    if problems:
        fail("; ".join(problems[:3]))
    doubles = sql(
        "select count(*) from (select user_id, course_id from course_completions group by 1, 2 having count(*) > 1) d"
    )
    path_doubles = sql(
        "select count(*) from (select user_id, group_id from path_certificates group by 1, 2 having count(*) > 1) d"
    )
    mine = sql(
        "select count(*) from course_completions c join users u on u.id = c.user_id "
        f"where c.course_id = '{COURSE}' and u.username in ({','.join(repr(n) for n in learners)})"
    )
    if doubles != "0" or path_doubles != "0" or mine != str(len(learners)):
        fail(f"completions: {mine} of {len(learners)}, {doubles} doubled, {path_doubles} path certificates doubled")
    ok(f"{len(learners)} learners completed the course through both instances, the last lesson sent to both at once: one credential each")

    # Load through nginx while one instance is killed: every acknowledged write is in the database.
    rest = names[LEARNERS + 1 :]
    tokens = [login(LB, n) for n in rest]

    def load(stop_after, victim, sig):
        """Completes lessons through nginx from six clients for `stop_after` + 1.5 s, sending
        `sig` to one instance after `stop_after` s. Completing a lesson again is allowed (it
        writes nothing new), so the work is cycled."""
        acked, failed = [], []
        lock = threading.Lock()
        work = [(t, c, l) for (c, l) in to_complete for t in tokens]
        deadline = time.time() + stop_after + 1.5

        def client(offset):
            i = offset
            while time.time() < deadline:
                t, c, l = work[i % len(work)]
                i += 6
                try:
                    s, _ = call(LB, "POST", f"/api/v1/courses/{c}/lessons/{l}/complete", t)
                except OSError as e:
                    s = str(e)
                with lock:
                    (acked if s == 200 else failed).append((t, c, l, s))

        clients = [threading.Thread(target=client, args=(n,)) for n in range(6)]
        for th in clients:
            th.start()
        time.sleep(stop_after)
        os.kill(procs[victim].pid, sig)
        for th in clients:
            th.join()
        return acked, failed

    def missing(acked):
        stored = set(sql("select user_id || ' ' || course_id || ' ' || lesson_id from lesson_completions").splitlines())
        return [1 for (t, c, l, _) in acked if f"{users[t]} {c} {l}" not in stored]

    to_complete = [(COURSE, l) for l in lessons]
    s, review = call(LB, "GET", "/api/v1/courses/on-tap", tokens[0])
    to_complete += [("on-tap", l["id"]) for l in review["lessons"]]
    users = {t: json.loads(base64.urlsafe_b64decode(t.split(".")[1] + "==").decode())["sub"] for t in tokens}
    acked, failed = load(0.5, "a", signal.SIGKILL)
    procs["a"].wait(timeout=10)
    lost = missing(acked)
    if lost or not acked:
        fail(f"{len(lost)} of {len(acked)} acknowledged completions are not in the database after killing an instance")
    ok(f"instance a killed mid-load: {len(acked)} acknowledged writes all in the database ({len(failed)} refused as it died)")
    start("a")

    # SIGTERM drains: in-flight requests finish, the instance exits 0, nothing acknowledged is lost.
    acked, failed = load(0.5, "b", signal.SIGTERM)
    code = procs["b"].wait(timeout=40)
    if code != 0:
        fail(f"instance b exited {code} after SIGTERM")
    lost = missing(acked)
    if lost or not acked:
        fail(f"{len(lost)} of {len(acked)} acknowledged completions are missing after draining an instance")
    ok(f"instance b drained on SIGTERM and exited 0: {len(acked)} acknowledged writes in the database, {len(failed)} refused")
    start("b")

    # The ledger verifies and the dashboard equals a rebuild from the base tables.
    v = subprocess.run([BIN, "ledger", "verify"], capture_output=True, text=True)
    if v.returncode != 0:
        fail("ledger verify: " + (v.stdout + v.stderr)[-800:])
    ok("ledger verify passes")
    admin = login(LB, "quan.tri")
    units = call(LB, "GET", "/api/v1/units", admin)[1]
    ward = next(u["id"] for u in units if u["parent_id"] is None)
    before = call(PORTS["a"], "GET", f"/api/v1/dashboard?unit={ward}", admin)[1]
    subprocess.run([BIN, "dashboard", "rebuild"], check=True, capture_output=True)
    after = call(PORTS["b"], "GET", f"/api/v1/dashboard?unit={ward}", admin)[1]
    if before != after:
        fail(f"the dashboard kept by both instances differs from a rebuild:\n{before}\n{after}")
    ok("the dashboard kept by both instances equals a rebuild")
    print("two instances on one PostgreSQL: all checks passed")


if __name__ == "__main__":
    main()
