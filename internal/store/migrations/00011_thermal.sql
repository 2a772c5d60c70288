-- +goose Up
-- Thermal classes (issue #8): the envelope a room's IT inlets are held to, an editable table
-- because ASHRAE's humidity limits differ between editions; each room names its class.
CREATE TABLE thermal_classes (
    id {{.ID}},
    name TEXT NOT NULL UNIQUE,
    edition TEXT NOT NULL DEFAULT '',
    recommended_min_c {{.Float}} NOT NULL,
    recommended_max_c {{.Float}} NOT NULL,
    allowable_min_c {{.Float}} NOT NULL,
    allowable_max_c {{.Float}} NOT NULL,
    recommended_dew_point_min_c {{.Float}},
    recommended_dew_point_max_c {{.Float}},
    recommended_rh_max {{.Float}},
    allowable_dew_point_min_c {{.Float}},
    allowable_dew_point_max_c {{.Float}},
    allowable_rh_min {{.Float}},
    allowable_rh_max {{.Float}},
    description TEXT NOT NULL DEFAULT '',
    created {{.TS}} NOT NULL,
    last_updated {{.TS}} NOT NULL
);

-- ASHRAE TC 9.9, Thermal Guidelines for Data Processing Environments, 5th edition (2021), Table 2-1
-- and its high-density class H1: recommended 18-27 °C (H1 18-22 °C), dew point -9 to 15 °C and at
-- most 70 % RH (the edition's figure for low gaseous pollution; 50 % where it is high); allowable
-- dry bulb, dew point and relative humidity per class.
INSERT INTO thermal_classes (name, edition, recommended_min_c, recommended_max_c, allowable_min_c, allowable_max_c,
    recommended_dew_point_min_c, recommended_dew_point_max_c, recommended_rh_max,
    allowable_dew_point_min_c, allowable_dew_point_max_c, allowable_rh_min, allowable_rh_max, description, created, last_updated)
VALUES
    ('A1', 'ASHRAE TC 9.9, 5th edition (2021)', 18, 27, 15, 32, -9, 15, 70, -12, 17, 8, 80, 'enterprise servers and storage, tightly controlled', '2026-11-27 00:00:00+00:00', '2026-11-27 00:00:00+00:00'),
    ('A2', 'ASHRAE TC 9.9, 5th edition (2021)', 18, 27, 10, 35, -9, 15, 70, -12, 21, 8, 80, 'volume servers, storage, personal computers', '2026-11-27 00:00:00+00:00', '2026-11-27 00:00:00+00:00'),
    ('A3', 'ASHRAE TC 9.9, 5th edition (2021)', 18, 27, 5, 40, -9, 15, 70, -12, 24, 8, 85, 'volume servers, storage, personal computers', '2026-11-27 00:00:00+00:00', '2026-11-27 00:00:00+00:00'),
    ('A4', 'ASHRAE TC 9.9, 5th edition (2021)', 18, 27, 5, 45, -9, 15, 70, -12, 24, 8, 90, 'volume servers, storage, personal computers', '2026-11-27 00:00:00+00:00', '2026-11-27 00:00:00+00:00'),
    ('H1', 'ASHRAE TC 9.9, 5th edition (2021)', 18, 22, 5, 25, -9, 15, 70, -12, 17, 8, 80, 'high-density air-cooled equipment', '2026-11-27 00:00:00+00:00', '2026-11-27 00:00:00+00:00');

ALTER TABLE rooms ADD COLUMN thermal_class TEXT NOT NULL DEFAULT 'A1';

-- +goose Down
ALTER TABLE rooms DROP COLUMN thermal_class;
DROP TABLE thermal_classes;
