"""Step reporting shared by the peer scripts: one line per step, exit 1 on the first failure."""
import sys

count = 0


def step(name, cond, detail=""):
    """Reports one step; stops the script when `cond` is false."""
    global count
    if not cond:
        print(f"FAIL {name} {detail}")
        sys.exit(1)
    count += 1
    print(f"ok   {name}")
