package httpapi

import (
	"encoding/json"
	"io"
	"time"
)

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	return enc.Encode(v)
}

// timeNow is the clock of the handlers.
var timeNow = time.Now
