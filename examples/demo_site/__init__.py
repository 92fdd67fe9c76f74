"""The demo's website: the offline bookstore, its members area and the demo webhook receiver.

An example, not part of the controller: ``jobctl demo-site`` (and ``make run``) serve it from a
checkout of this repository; tests and benchmarks import ``static_server``.
"""
