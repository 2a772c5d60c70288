// Package collect polls devices (rack PDUs, UPSes, meters, sensors, servers) for readings: a
// scheduler, and drivers for SNMP, Modbus TCP and Redfish in the packages below it. What a device
// model exposes, where and in which unit, is data: a profile file per family, embedded and loadable
// from a directory. A reading a device cannot give (a sentinel such as -1 or 65535, a value out of
// range, no such object) is reported missing with its reason, never as zero.
package collect

// Reading is one value read from a device.
type Reading struct {
	Name   string            `json:"name"`   // metric name, Prometheus style: pdu_outlet_power_watts
	Labels map[string]string `json:"labels"` // what it is of: outlet, phase, sensor, ...
	Value  float64           `json:"value"`  // in Unit, SI (W, A, V, kWh, °C, %RH, Hz, s, %)
	Unit   string            `json:"unit"`
	// Missing is true when the device gave no usable value; Value is then 0 and meaningless.
	Missing bool   `json:"missing,omitempty"`
	Reason  string `json:"reason,omitempty"` // why it is missing
	Source  string `json:"source,omitempty"` // where it came from: an OID, a register, a URI
}

// Result is what one poll of a device read.
type Result struct {
	Profile  string    `json:"profile"` // the profile chosen for the device
	Readings []Reading `json:"readings"`
}
