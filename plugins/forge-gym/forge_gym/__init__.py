"""forge-gym: reasoning-gym's procedural generators as a forge domain (``--domain gym``).

Public API: :class:`forge_gym.domain.GymDomain`, the task-source functions in
:mod:`forge_gym.sources`, the conformance check :func:`forge_gym.conformance.check`, and
the sandbox runner ``forge_gym.runner:score``.
"""
