"""The ports the use cases need, as `typing.Protocol`s speaking domain types only."""
