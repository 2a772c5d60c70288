package alert

import "slices"

// BuiltinNames are the names of the built-in rules. A rule managed through the API may not take
// one: its alerts would be mistaken for the built-in rule's (the engine keeps alerts by rule name).
var BuiltinNames = []string{"PollTargetDown", "MeterGap", "StaleSeries", "InletOutsideRecommended", "InletOutsideAllowable",
	"PowerNearLimit", "PowerOverLimit", "FailoverOverload", "FeedLost", "CapacityForecast"}

// IsBuiltinName reports whether name is a built-in rule's.
func IsBuiltinName(name string) bool { return slices.Contains(BuiltinNames, name) }
