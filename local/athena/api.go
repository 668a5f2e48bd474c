package athena

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ticklake/ticklake/local/awsproto"
)

// TargetPrefix is the X-Amz-Target prefix of Athena operations.
const TargetPrefix = "AmazonAthena."

// maxPage is the most rows GetQueryResults returns at once, as in Athena.
const maxPage = 1000

// API serves Athena's JSON 1.1 protocol over an engine.
type API struct {
	Engine *Engine
}

func epoch(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return float64(t.UnixMilli()) / 1000
}

// executionJSON renders an execution as GetQueryExecution does.
func executionJSON(ex Execution) map[string]any {
	status := map[string]any{"State": ex.State, "SubmissionDateTime": epoch(ex.Submitted)}
	if !ex.Completed.IsZero() {
		status["CompletionDateTime"] = epoch(ex.Completed)
	}
	if ex.Reason != "" {
		status["StateChangeReason"] = ex.Reason
	}
	if ex.State == StateFailed {
		status["AthenaError"] = map[string]any{"ErrorCategory": 2, "ErrorType": ex.ErrorType, "Retryable": false, "ErrorMessage": ex.Reason}
	}
	elapsed := int64(0)
	if !ex.Completed.IsZero() {
		elapsed = ex.Completed.Sub(ex.Submitted).Milliseconds()
	}
	out := map[string]any{
		"QueryExecutionId":      ex.ID,
		"Query":                 ex.Query,
		"StatementType":         statementType(ex.Query),
		"ResultConfiguration":   map[string]any{"OutputLocation": ex.OutputLocation},
		"QueryExecutionContext": map[string]any{"Database": ex.Database, "Catalog": "AwsDataCatalog"},
		"Status":                status,
		"Statistics": map[string]any{"EngineExecutionTimeInMillis": elapsed, "DataScannedInBytes": ex.Scanned,
			"TotalExecutionTimeInMillis": elapsed, "QueryQueueTimeInMillis": 0, "ServiceProcessingTimeInMillis": 0,
			"ResultReuseInformation": map[string]any{"ReusedPreviousResult": ex.ReusedFrom != ""}},
		"WorkGroup":     ex.WorkGroup,
		"EngineVersion": map[string]any{"SelectedEngineVersion": "Athena engine version 3", "EffectiveEngineVersion": "Athena engine version 3"},
	}
	if len(ex.Parameters) > 0 {
		out["ExecutionParameters"] = ex.Parameters
	}
	return out
}

// ServeHTTP answers one Athena operation.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	var in struct {
		QueryString, QueryExecutionId, WorkGroup, NextToken, Name, Description, Database, NamedQueryId string
		QueryExecutionIds, NamedQueryIds                                                               []string
		ExecutionParameters                                                                            []string
		MaxResults                                                                                     int
		QueryExecutionContext                                                                          struct{ Database string }
		ResultConfiguration                                                                            struct{ OutputLocation string }
		ResultReuseConfiguration                                                                       struct {
			ResultReuseByAgeConfiguration struct {
				Enabled         bool
				MaxAgeInMinutes *int
			}
		}
		Configuration struct {
			ResultConfiguration struct{ OutputLocation string }
		}
	}
	if err := awsproto.DecodeJSON(r, &in); err != nil {
		awsproto.JSONError(w, http.StatusBadRequest, "InvalidRequestException", err.Error())
		return
	}
	e := a.Engine
	var out any
	var err error
	switch op {
	case "StartQueryExecution":
		var id string
		req := StartRequest{Query: in.QueryString, Database: in.QueryExecutionContext.Database, WorkGroup: in.WorkGroup,
			OutputLocation: in.ResultConfiguration.OutputLocation, Parameters: in.ExecutionParameters}
		if reuse := in.ResultReuseConfiguration.ResultReuseByAgeConfiguration; reuse.Enabled {
			age := DefaultReuseAge
			if reuse.MaxAgeInMinutes != nil {
				age = time.Duration(*reuse.MaxAgeInMinutes) * time.Minute
			}
			id, err = e.StartReusing(req, age)
		} else {
			id, err = e.Start(req)
		}
		out = map[string]any{"QueryExecutionId": id}
	case "GetQueryExecution":
		var ex Execution
		ex, err = e.Get(in.QueryExecutionId)
		out = map[string]any{"QueryExecution": executionJSON(ex)}
	case "BatchGetQueryExecution":
		list, missing := []any{}, []any{}
		for _, id := range in.QueryExecutionIds {
			if ex, e2 := e.Get(id); e2 == nil {
				list = append(list, executionJSON(ex))
			} else {
				missing = append(missing, map[string]any{"QueryExecutionId": id, "ErrorCode": "INVALID_INPUT", "ErrorMessage": e2.Error()})
			}
		}
		out = map[string]any{"QueryExecutions": list, "UnprocessedQueryExecutionIds": missing}
	case "GetQueryResults":
		out, err = a.results(in.QueryExecutionId, in.NextToken, in.MaxResults)
	case "StopQueryExecution":
		err, out = e.Stop(in.QueryExecutionId), struct{}{}
	case "ListQueryExecutions":
		out = map[string]any{"QueryExecutionIds": e.List(in.WorkGroup)}
	case "CreateNamedQuery":
		var id string
		id, err = e.CreateNamedQuery(NamedQuery{Name: in.Name, Description: in.Description, Database: in.Database,
			QueryString: in.QueryString, WorkGroup: in.WorkGroup})
		out = map[string]any{"NamedQueryId": id}
	case "GetNamedQuery":
		var q NamedQuery
		q, err = e.NamedQuery(in.NamedQueryId)
		out = map[string]any{"NamedQuery": namedJSON(q)}
	case "ListNamedQueries":
		var ids []string
		for _, q := range e.NamedQueries(in.WorkGroup) {
			ids = append(ids, q.ID)
		}
		out = map[string]any{"NamedQueryIds": ids}
	case "BatchGetNamedQuery":
		list := []any{}
		for _, id := range in.NamedQueryIds {
			if q, e2 := e.NamedQuery(id); e2 == nil {
				list = append(list, namedJSON(q))
			}
		}
		out = map[string]any{"NamedQueries": list, "UnprocessedNamedQueryIds": []any{}}
	case "GetWorkGroup":
		var wg WorkGroup
		wg, err = e.WorkGroup(in.WorkGroup)
		out = map[string]any{"WorkGroup": map[string]any{"Name": wg.Name, "State": "ENABLED", "Description": wg.Description,
			"Configuration": map[string]any{"ResultConfiguration": map[string]any{"OutputLocation": wg.OutputLocation},
				"EnforceWorkGroupConfiguration": wg.OutputLocation != "",
				"EngineVersion":                 map[string]any{"SelectedEngineVersion": "Athena engine version 3"}}}}
	case "ListWorkGroups":
		var list []any
		for _, wg := range e.WorkGroups() {
			list = append(list, map[string]any{"Name": wg.Name, "State": "ENABLED", "Description": wg.Description})
		}
		out = map[string]any{"WorkGroups": list}
	case "CreateWorkGroup":
		e.PutWorkGroup(WorkGroup{Name: in.Name, Description: in.Description, OutputLocation: in.Configuration.ResultConfiguration.OutputLocation})
		out = struct{}{}
	default:
		awsproto.JSONError(w, http.StatusBadRequest, "InvalidRequestException", "ticklake's local Athena does not support "+op)
		return
	}
	if err != nil {
		_, msg := awsproto.Split(err)
		awsproto.JSONError(w, http.StatusBadRequest, "InvalidRequestException", msg)
		return
	}
	awsproto.WriteJSON(w, out)
}

func namedJSON(q NamedQuery) map[string]any {
	return map[string]any{"NamedQueryId": q.ID, "Name": q.Name, "Description": q.Description, "Database": q.Database,
		"QueryString": q.QueryString, "WorkGroup": q.WorkGroup}
}

// results pages through an execution's rows, the header row first, as GetQueryResults does.
func (a *API) results(id, token string, max int) (any, error) {
	ex, err := a.Engine.Get(id)
	if err != nil {
		return nil, err
	}
	switch ex.State {
	case StateSucceeded:
	case StateFailed:
		return nil, errorf("Query has not yet finished. Current state: FAILED. %s", ex.Reason)
	default:
		return nil, errorf("Query has not yet finished. Current state: %s", ex.State)
	}
	if max <= 0 || max > maxPage {
		max = maxPage
	}
	start := 0
	if token != "" {
		if start, err = strconv.Atoi(token); err != nil || start < 0 {
			return nil, errorf("NextToken %q is not valid", token)
		}
	}
	// Row 0 is the header.
	all := len(ex.Rows) + 1
	end := min(start+max, all)
	rows := []any{}
	for i := start; i < end; i++ {
		var data []any
		if i == 0 {
			for _, c := range ex.Columns {
				data = append(data, map[string]any{"VarCharValue": c.Name})
			}
		} else {
			for _, v := range ex.Rows[i-1] {
				if v == nil {
					data = append(data, map[string]any{})
				} else {
					data = append(data, map[string]any{"VarCharValue": *v})
				}
			}
		}
		rows = append(rows, map[string]any{"Data": data})
	}
	var info []any
	for _, c := range ex.Columns {
		info = append(info, map[string]any{"CatalogName": "hive", "Name": c.Name, "Label": c.Name, "Type": c.Type, "Nullable": "UNKNOWN"})
	}
	out := map[string]any{"UpdateCount": 0, "ResultSet": map[string]any{"Rows": rows, "ResultSetMetadata": map[string]any{"ColumnInfo": info}}}
	if end < all {
		out["NextToken"] = strconv.Itoa(end)
	}
	return out, nil
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRequest, fmt.Sprintf(format, args...))
}

// statementType is the type Athena reports for a statement: DDL for those that change the catalog
// (CREATE, DROP, ALTER, MSCK REPAIR TABLE), UTILITY for the others that are not queries (SHOW,
// DESCRIBE, EXPLAIN), DML for queries.
func statementType(query string) string {
	toks, err := lex(query)
	if err != nil {
		return "DML"
	}
	for _, t := range toks {
		if t.is("(") {
			continue
		}
		switch t.lower() {
		case "create", "drop", "alter", "msck":
			return "DDL"
		case "show", "describe", "desc", "explain":
			return "UTILITY"
		}
		break
	}
	return "DML"
}
