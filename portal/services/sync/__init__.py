"""The sync of calls and meetings as use cases: simulate or import them, send what is queued
(:mod:`.engine`), and say how it went (:mod:`.service`)."""
