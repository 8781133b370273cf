"""The code domain passes forge's DomainContract (loaded through the plugin manager)."""

from __future__ import annotations

from forge.testing import DomainContract

GOOD_FIZZBUZZ = """Sure! Here it is:
```python
def fizzbuzz(n):
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)
```
"""


class TestCodeDomain(DomainContract):
    domain_name = "code"
    min_tasks = 20
    good_answers = [
        ("fizzbuzz", GOOD_FIZZBUZZ),
        ("add", "```python\ndef add(a, b):\n    return a + b\n```"),
        ("reverse_string", "def reverse_string(s):\n    return s[::-1]\n"),
    ]
    bad_answers = [
        ("fizzbuzz", "```python\ndef fizzbuzz(n):\n    return str(n)\n```"),
        ("add", "```python\ndef add(a, b):\n    return a / 0\n```"),
        ("add", "```python\ndef add(a, b):\n    while True:\n        pass\n```"),
        ("add", "Just add them."),
        ("reverse_string", "```python\ndef reverse_string(s)\n    return s\n```"),
    ]
