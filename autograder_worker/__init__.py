"""The untrusted side: the code that runs in a worker process, next to a student's code.

It imports nothing of `autograder` (the trusted side), so that a sandbox can
hold this package and torch, and no course file: student code that imports
it finds only what runs it, never a test, a reference solution or an
expected value.
"""
