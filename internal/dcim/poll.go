package dcim

import (
	"net/url"
	"strings"
)

// PollTarget is a device Plenum polls for readings: its address, how often, and what it is in
// the inventory, so that every series it yields carries the identity of what it measures.
type PollTarget struct {
	Meta
	SiteID   int64  `json:"site_id" required:"false" doc:"derived from the device when there is one"`
	DeviceID *int64 `json:"device_id" required:"false" nullable:"true" doc:"the device polled (a rack PDU, a UPS, a meter): its site, room and rack label the readings"`
	// A target may be, or also be, an object of the power and cooling model, so that its readings
	// carry its identity: a UPS or meter polled directly is a power node with no device.
	PowerNodeID   *int64 `json:"power_node_id" required:"false" nullable:"true" doc:"the power node it measures (a UPS, a PDU, a meter's point of the chain): its readings carry power_node, and give the node's measured load; default: the rack-PDU node the device is"`
	CoolingUnitID *int64 `json:"cooling_unit_id" required:"false" nullable:"true" doc:"the cooling unit it is (a CRAH's card, a CDU's Redfish service): its readings carry cooling_unit and its room"`
	SensorPointID *int64 `json:"sensor_point_id" required:"false" nullable:"true" doc:"the sensor point it reads (a temperature or humidity probe): its readings carry sensor_point, its room and rack"`
	Name          string `json:"name" minLength:"1" maxLength:"100"`
	// URL has no credentials in it, so that reading a target does not show them.
	URL string `json:"url" minLength:"1" maxLength:"500" doc:"snmp://HOST[:PORT] (v2c), snmpv3://HOST[:PORT][?context=NAME], modbus://HOST[:PORT]?profile=NAME&unit=N, redfish://HOST[:PORT] or https://HOST[:PORT]"`
	// Credentials are written, never read back: the community (v2c), USER:AUTHKEY:PRIVKEY (v3,
	// SHA and AES), USER:PASSWORD (Redfish). Empty on update: keep the ones stored.
	Credentials     string   `json:"credentials,omitempty" required:"false" writeOnly:"true" maxLength:"500" doc:"snmp: the community; snmpv3: USER:AUTHKEY:PRIVKEY; redfish: USER:PASSWORD; never returned"`
	Profile         string   `json:"profile" required:"false" maxLength:"100" doc:"the device profile to use; empty: chosen by what the device says it is"`
	IntervalSeconds int      `json:"interval_seconds" required:"false" minimum:"5" maximum:"86400" default:"60"`
	TimeoutSeconds  int      `json:"timeout_seconds" required:"false" minimum:"1" maximum:"300" default:"10"`
	Retries         int      `json:"retries" required:"false" minimum:"0" maximum:"10" default:"1"`
	Enabled         *bool    `json:"enabled" required:"false" nullable:"true" doc:"default true"`
	Description     string   `json:"description" required:"false" maxLength:"200"`
	Tags            []string `json:"tags" required:"false" nullable:"true"`
}

// TypePollTarget is the object type of poll targets.
const TypePollTarget = "poll-target"

// PollSchemes are the URL schemes Plenum polls.
var PollSchemes = []string{"snmp", "snmpv3", "modbus", "redfish", "https", "http"}

// Normalize fills defaults and checks the target on its own.
func (p *PollTarget) Normalize() error {
	var pr Problems
	required(&pr, "name", p.Name)
	if p.IntervalSeconds == 0 {
		p.IntervalSeconds = 60
	}
	if p.TimeoutSeconds == 0 {
		p.TimeoutSeconds = 10
	}
	if p.Enabled == nil {
		t := true
		p.Enabled = &t
	}
	if p.IntervalSeconds < 5 || p.IntervalSeconds > 86400 {
		pr.Add("interval_seconds", "must be from 5 to 86400, got %d", p.IntervalSeconds)
	}
	if p.TimeoutSeconds < 1 || p.TimeoutSeconds > 300 {
		pr.Add("timeout_seconds", "must be from 1 to 300, got %d", p.TimeoutSeconds)
	} else if p.TimeoutSeconds >= p.IntervalSeconds {
		pr.Add("timeout_seconds", "%d s is not shorter than the interval of %d s", p.TimeoutSeconds, p.IntervalSeconds)
	}
	if p.Retries < 0 || p.Retries > 10 {
		pr.Add("retries", "must be from 0 to 10, got %d", p.Retries)
	}
	u, err := url.Parse(p.URL)
	switch {
	case p.URL == "":
		pr.Add("url", "is required")
	case err != nil:
		pr.Add("url", "%v", err)
	case !contains(PollSchemes, u.Scheme):
		pr.Add("url", "scheme %q: want one of %s", u.Scheme, strings.Join(PollSchemes, ", "))
	case u.User != nil:
		pr.Add("url", "put the credentials in credentials, not in the URL: the URL is shown to every reader")
	case u.Hostname() == "":
		pr.Add("url", "no host")
	}
	if p.Credentials != "" && err == nil {
		switch u.Scheme {
		case "snmpv3":
			if parts := strings.Split(p.Credentials, ":"); len(parts) != 3 || parts[0] == "" || len(parts[1]) < 8 || len(parts[2]) < 8 {
				pr.Add("credentials", "snmpv3 wants USER:AUTHKEY:PRIVKEY, each key at least 8 characters")
			}
		case "redfish", "https", "http":
			if user, _, ok := strings.Cut(p.Credentials, ":"); !ok || user == "" {
				pr.Add("credentials", "redfish wants USER:PASSWORD")
			}
		case "modbus":
			pr.Add("credentials", "Modbus TCP has no credentials")
		}
	}
	tags(&pr, p.Tags)
	return pr.Err()
}

// NeedsCredentials reports whether a target of this URL cannot be polled without credentials.
func (p *PollTarget) NeedsCredentials() bool {
	u, err := url.Parse(p.URL)
	return err == nil && (u.Scheme == "snmp" || u.Scheme == "snmpv3")
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
