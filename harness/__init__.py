"""What the tests and the benchmarks both use to drive pubquiz from outside: processes and ports
(processes.py), Nginx from deploy/nginx.conf (nginx.py), the description of a quiz and the editor's
form posts that build it (quiz.py), people over real HTTP (people.py) and a game's event history
in Redis (history.py)."""
