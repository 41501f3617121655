"""The clinical language core: how records and questions name things, read one way on both sides.

- `vocabulary`: conditions, drugs, drug classes and their members (data: vocabulary.yaml).
- `units`: lab analytes, the units their values come in and their conversions (data:
  analytes.yaml; conversions with pint).
"""
