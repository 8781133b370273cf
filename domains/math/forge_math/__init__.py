"""forge's built-in 'math' domain, registered through the 'forge' entry-point group.

Public API: :class:`forge_math.domain.MathDomain`, :func:`forge_math.parser.parse_answer`,
:func:`forge_math.extract.extract_answer`, and the sandbox runner ``forge_math.runner:run``.
"""
