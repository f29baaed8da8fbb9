r"""``derive serve``: answer checking over HTTP for a course's LMS, and a page for students.

Processes: the ASGI app (:mod:`derive.serve.app`, FastAPI on uvicorn, no SymPy) talks JSON lines
to one dispatcher process (:mod:`derive.serve.dispatcher`), which builds every topic once and
forks the checking workers (:mod:`derive.serve.workers`); a worker that overruns its time
limit is killed and replaced. :mod:`derive.serve.pool` is the app's side of that pipe, with the
bounded queue (503 + Retry-After when full).
"""
