-- +goose Up
-- Tenant billing (issue #5): tariffs versioned by the day they take effect, tenants' contracts,
-- and bills as issued: never changed, a re-issue is a new version with its reason.
CREATE TABLE tariffs (
    id {{.ID}},
    name TEXT NOT NULL,
    effective_from {{.TS}} NOT NULL,
    currency TEXT NOT NULL,
    energy_sen_per_kwh {{.Float}} NOT NULL,
    capacity_rm_per_kw {{.Float}} NOT NULL,
    network_rm_per_kw {{.Float}} NOT NULL,
    retail_rm_per_month {{.Float}} NOT NULL,
    demand_window_minutes INTEGER NOT NULL,
    overhead TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL,
    UNIQUE (name, effective_from)
);

-- The template Plenum starts with (see dcim.TNBTemplate): TNB's structure from 1 July 2025, with
-- the average base tariff, 45.40 sen/kWh, as its energy rate and the other charges to be set.
INSERT INTO tariffs (name, effective_from, currency, energy_sen_per_kwh, capacity_rm_per_kw, network_rm_per_kw,
    retail_rm_per_month, demand_window_minutes, overhead, description, created, last_updated)
VALUES ('TNB 2025', '2025-07-01 00:00:00+00:00', 'MYR', 45.40, 0, 0, 0, 30, 'none',
    'TNB''s structure from 1 July 2025: the average base tariff as the energy rate; set the capacity, network and retail charges of the supply''s category from TNB''s tariff book',
    '2026-11-27 00:00:00+00:00', '2026-11-27 00:00:00+00:00');

CREATE TABLE contracts (
    id {{.ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    site_id BIGINT NOT NULL REFERENCES sites(id),
    tariff TEXT NOT NULL,
    contracted_kw {{.Float}} NOT NULL,
    start_date {{.TS}} NOT NULL,
    end_date {{.TS}},
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL
);
CREATE INDEX contracts_tenant ON contracts(tenant_id);

CREATE TABLE bills (
    id {{.ID}},
    tenant_id BIGINT NOT NULL REFERENCES tenants(id),
    site_id BIGINT NOT NULL REFERENCES sites(id),
    month TEXT NOT NULL,
    version INTEGER NOT NULL,
    issued {{.TS}} NOT NULL,
    reason TEXT NOT NULL,
    total {{.Float}} NOT NULL,
    document TEXT NOT NULL,
    UNIQUE (tenant_id, site_id, month, version)
);

-- +goose Down
DROP TABLE bills;
DROP TABLE contracts;
DROP TABLE tariffs;
