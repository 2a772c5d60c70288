-- +goose Up
-- Energy accounting (issue #5): meters at points of the site, their manual readings and swaps,
-- renewable certificates, and the hourly roll-ups the reports read instead of raw samples.
CREATE TABLE meters (
    id {{.ID}},
    site_id BIGINT NOT NULL REFERENCES sites(id),
    room_id BIGINT REFERENCES rooms(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    power_node_id BIGINT REFERENCES power_nodes(id),
    device_id BIGINT REFERENCES devices(id),
    cooling_unit_id BIGINT REFERENCES cooling_units(id),
    tenant_id BIGINT REFERENCES tenants(id),
    source TEXT NOT NULL,
    series TEXT NOT NULL DEFAULT '',
    quantity TEXT NOT NULL,
    multiplier {{.Float}} NOT NULL,
    counter_max {{.Float}},
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (site_id, name)
);
CREATE INDEX meters_power_node ON meters(power_node_id);
CREATE INDEX meters_device ON meters(device_id);
CREATE INDEX meters_tenant ON meters(tenant_id);

CREATE TABLE meter_readings (
    id {{.ID}},
    meter_id BIGINT NOT NULL REFERENCES meters(id) ON DELETE CASCADE,
    at {{.TS}} NOT NULL,
    kind TEXT NOT NULL,
    value {{.Float}} NOT NULL,
    old_value {{.Float}},
    note TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (meter_id, at)
);

CREATE TABLE energy_certificates (
    id {{.ID}},
    site_id BIGINT NOT NULL REFERENCES sites(id),
    kind TEXT NOT NULL,
    period_start {{.TS}} NOT NULL,
    period_end {{.TS}} NOT NULL,
    kwh {{.Float}} NOT NULL,
    retired BOOLEAN NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL
);
CREATE INDEX energy_certificates_site ON energy_certificates(site_id);

-- One row per meter and hour (its start, UTC): the energy (kWh, or litres for water) attributed to
-- it, whether that is estimated (integrated from power, or spread over a gap between readings),
-- the milliseconds of the hour no reading covered, and the counter resets seen.
CREATE TABLE meter_hours (
    meter_id BIGINT NOT NULL REFERENCES meters(id) ON DELETE CASCADE,
    hour {{.TS}} NOT NULL,
    value {{.Float}} NOT NULL,
    estimated BOOLEAN NOT NULL,
    gap_ms BIGINT NOT NULL,
    resets INTEGER NOT NULL,
    PRIMARY KEY (meter_id, hour)
);

-- The same summed by UTC day, so that a year's report reads 365 rows a meter (and the hours of
-- the partial days at its ends).
CREATE TABLE meter_days (
    meter_id BIGINT NOT NULL REFERENCES meters(id) ON DELETE CASCADE,
    day {{.TS}} NOT NULL,
    value {{.Float}} NOT NULL,
    estimated {{.Float}} NOT NULL,
    hours INTEGER NOT NULL,
    gap_ms BIGINT NOT NULL,
    resets INTEGER NOT NULL,
    PRIMARY KEY (meter_id, day)
);

-- +goose Down
DROP TABLE meter_days;
DROP TABLE meter_hours;
DROP TABLE energy_certificates;
DROP TABLE meter_readings;
DROP TABLE meters;
