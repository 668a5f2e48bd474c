package glue

import (
	"errors"
	"net/http"
	"strings"

	"github.com/ticklake/ticklake/local/awsproto"
)

// API serves Glue's JSON 1.1 protocol (X-Amz-Target: AWSGlue.<Operation>) over a catalog and its
// crawlers.
type API struct {
	Catalog  *Catalog
	Crawlers *Crawlers
}

// TargetPrefix is the X-Amz-Target prefix of Glue operations.
const TargetPrefix = "AWSGlue."

// ServeHTTP answers one Glue operation.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
	var in struct {
		Name, DatabaseName, TableName, CatalogId, NextToken string
		PartitionValues                                     []string
		PartitionsToGet                                     []struct{ Values []string }
		DatabaseInput                                       struct{ Name, Description string }
		TableInput                                          Table
		PartitionInputList                                  []Partition
		PartitionValueList                                  []string
		PartitionInput                                      Partition
		CrawlerNameList                                     []string
		MaxResults                                          int
		Role, Description, TablePrefix, Configuration       string
		Targets                                             struct{ S3Targets []S3Target }
		RecrawlPolicy, SchemaChangePolicy                   map[string]string
	}
	if err := awsproto.DecodeJSON(r, &in); err != nil {
		awsproto.JSONError(w, http.StatusBadRequest, "InvalidInputException", err.Error())
		return
	}
	var out any
	var err error
	switch op {
	case "CreateDatabase":
		err, out = a.Catalog.CreateDatabase(in.DatabaseInput.Name, in.DatabaseInput.Description), struct{}{}
	case "GetDatabase":
		var d Database
		d, err = a.Catalog.Database(in.Name)
		out = map[string]any{"Database": d}
	case "GetDatabases":
		out = map[string]any{"DatabaseList": a.Catalog.Databases()}
	case "CreateTable":
		in.TableInput.DatabaseName = in.DatabaseName
		if _, e := a.Catalog.Table(in.DatabaseName, in.TableInput.Name); e == nil {
			err = errors.Join(ErrAlreadyExists, errors.New("Table already exists."))
		} else {
			err, out = a.Catalog.PutTable(in.TableInput), struct{}{}
		}
	case "GetTable":
		var t Table
		t, err = a.Catalog.Table(in.DatabaseName, in.Name)
		out = map[string]any{"Table": t}
	case "GetTables":
		var ts []Table
		ts, err = a.Catalog.Tables(in.DatabaseName)
		out = map[string]any{"TableList": ts}
	case "DeleteTable":
		err, out = a.Catalog.DeleteTable(in.DatabaseName, in.Name), struct{}{}
	case "GetPartition":
		var p Partition
		p, err = a.Catalog.Partition(in.DatabaseName, in.TableName, in.PartitionValues)
		out = map[string]any{"Partition": p}
	case "GetPartitions":
		var ps []Partition
		ps, err = a.Catalog.Partitions(in.DatabaseName, in.TableName)
		out = map[string]any{"Partitions": ps}
	case "BatchGetPartition":
		found, missing := []Partition{}, []map[string]any{}
		for _, want := range in.PartitionsToGet {
			if p, e := a.Catalog.Partition(in.DatabaseName, in.TableName, want.Values); e == nil {
				found = append(found, p)
			} else {
				missing = append(missing, map[string]any{"Values": want.Values})
			}
		}
		out = map[string]any{"Partitions": found, "UnprocessedKeys": missing}
	case "UpdatePartition":
		// PartitionInput replaces the whole partition definition, as on AWS.
		err, out = a.Catalog.UpdatePartition(in.DatabaseName, in.TableName, in.PartitionValueList, in.PartitionInput), struct{}{}
	case "BatchCreatePartition":
		_, err = a.Catalog.AddPartitions(in.DatabaseName, in.TableName, in.PartitionInputList)
		out = map[string]any{"Errors": []any{}}
	case "CreateCrawler":
		c := Crawler{Name: in.Name, Role: in.Role, DatabaseName: in.DatabaseName, Description: in.Description,
			TablePrefix: in.TablePrefix, RecrawlPolicy: in.RecrawlPolicy, SchemaChangePolicy: in.SchemaChangePolicy,
			Configuration: in.Configuration}
		c.Targets.S3Targets = in.Targets.S3Targets
		err, out = a.Crawlers.Create(c), struct{}{}
	case "GetCrawler":
		var c Crawler
		c, err = a.Crawlers.Get(in.Name)
		out = map[string]any{"Crawler": c}
	case "GetCrawlers":
		out = map[string]any{"Crawlers": a.Crawlers.List()}
	case "ListCrawlers":
		var names []string
		for _, c := range a.Crawlers.List() {
			names = append(names, c.Name)
		}
		out = map[string]any{"CrawlerNames": names}
	case "GetCrawlerMetrics":
		var list []CrawlerMetrics
		for _, c := range a.Crawlers.List() {
			if len(in.CrawlerNameList) == 0 || contains(in.CrawlerNameList, c.Name) {
				c.Metrics.CrawlerName = c.Name
				list = append(list, c.Metrics)
			}
		}
		out = map[string]any{"CrawlerMetricsList": list}
	case "StartCrawler":
		err, out = a.Crawlers.Start(in.Name), struct{}{}
	default:
		awsproto.JSONError(w, http.StatusBadRequest, "UnknownOperationException", "ticklake's local Glue does not support "+op)
		return
	}
	if err != nil {
		code, msg := awsproto.Split(err)
		awsproto.JSONError(w, http.StatusBadRequest, code, msg)
		return
	}
	awsproto.WriteJSON(w, out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
