-- +goose Up
-- How a redundant device shares its load among its live supplies (issue #3): shared equally (the
-- default) or carried by its first live supply with the others standing by.
ALTER TABLE devices ADD COLUMN power_split TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE devices DROP COLUMN power_split;
