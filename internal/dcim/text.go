package dcim

import (
	"fmt"
	"reflect"
	"strings"
)

// CheckText refuses text no database should hold: a NUL character, which PostgreSQL cannot store in
// text and SQLite would keep only to surprise every reader later. It walks v (a model object, its
// lists and nested templates) and names the field by its JSON path.
func CheckText(v any) error {
	return checkText(reflect.ValueOf(v), "")
}

func checkText(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkText(v.Elem(), path)
	case reflect.String:
		if strings.ContainsRune(v.String(), 0) {
			return Invalid(path, "text must not contain a NUL character")
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if err := checkText(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case name == "-":
				continue
			case f.Anonymous || name == "":
				name = path // embedded: its fields are the parent's
			case path != "":
				name = path + "." + name
			}
			if err := checkText(v.Field(i), name); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckQueryText refuses a NUL character in the text of a list query, naming the parameter.
func CheckQueryText(lq ListQuery) error {
	if strings.ContainsRune(lq.Q, 0) {
		return Invalid("q", "text must not contain a NUL character")
	}
	if strings.ContainsRune(lq.Ordering, 0) {
		return Invalid("ordering", "text must not contain a NUL character")
	}
	for k, vals := range lq.Filters {
		for _, s := range vals {
			if strings.ContainsRune(s, 0) {
				return Invalid(k, "text must not contain a NUL character")
			}
		}
	}
	return nil
}
