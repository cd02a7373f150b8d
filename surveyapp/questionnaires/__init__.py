"""Questionnaires: definition files in ``surveys/``, their validation, storage as immutable versions, and the
compact encoding of answers."""
