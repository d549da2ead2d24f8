package demo

// KeptPartial lets the tests check the list against the schema.
var KeptPartial = keptPartial
