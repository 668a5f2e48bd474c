// Package awsproto holds the wire details that the local twin's AWS JSON 1.1 APIs (Glue, Athena,
// Step Functions) share: request decoding, responses and errors as the SDKs read them.
package awsproto

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ContentType of JSON 1.1 responses.
const ContentType = "application/x-amz-json-1.1"

// DecodeJSON reads a request body into v; an empty body leaves v as it is.
func DecodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

// WriteJSON answers 200 with v.
func WriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", ContentType)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// JSONError answers an error the way AWS JSON services do.
func JSONError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": message, "Message": message})
}

// Split turns an error built as fmt.Errorf("%w: message", ErrCode), where ErrCode's text is an AWS
// error code such as EntityNotFoundException, into the code and the message.
func Split(err error) (code, message string) {
	var coded interface{ Unwrap() []error }
	text := err.Error()
	if c, m, ok := strings.Cut(text, ": "); ok && strings.HasSuffix(c, "Exception") && !strings.Contains(c, " ") {
		return c, m
	}
	if errors.As(err, &coded) {
		for _, e := range coded.Unwrap() {
			if c := e.Error(); strings.HasSuffix(c, "Exception") && !strings.Contains(c, " ") {
				return c, strings.TrimPrefix(strings.TrimPrefix(text, c), "\n")
			}
		}
	}
	return "InternalServiceException", text
}
