package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/ticklake/ticklake/shared/schema"
	"github.com/ticklake/ticklake/shared/tickparquet"
)

// TestTicksTable checks the table as code: every column with its Glue type, the declared fields
// between the contract's columns and extra, string partition keys, Parquet, and the consumer told
// the same declaration.
func TestTicksTable(t *testing.T) {
	_, tpl, raw := synth(t)
	check(t, "one table", func() { tpl.ResourceCountIs(jsii.String("AWS::Glue::Table"), jsii.Number(1)) })
	var cols []any
	for _, c := range tickparquet.CatalogColumns(schema.MustDefault()) {
		cols = append(cols, map[string]any{"Name": c.Name, "Type": c.Type})
	}
	check(t, "table", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Glue::Table"), props(map[string]any{
			"DatabaseName": "ticklake",
			"TableInput": map[string]any{
				"Name": "ticks", "TableType": "EXTERNAL_TABLE",
				"Parameters":    assertions.Match_ObjectLike(&map[string]any{"classification": "parquet"}),
				"PartitionKeys": []any{map[string]any{"Name": "dt", "Type": "string"}, map[string]any{"Name": "hour", "Type": "string"}},
				"StorageDescriptor": assertions.Match_ObjectLike(&map[string]any{
					"Columns":     assertions.Match_Exact(cols),
					"InputFormat": parquetInput, "OutputFormat": parquetOutput,
					"SerdeInfo": assertions.Match_ObjectLike(&map[string]any{"SerializationLibrary": parquetSerDe}),
				}),
			}}))
	})
	check(t, "crawler", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Glue::Crawler"), props(map[string]any{
			"RecrawlPolicy":      map[string]any{"RecrawlBehavior": "CRAWL_NEW_FOLDERS_ONLY"},
			"SchemaChangePolicy": map[string]any{"UpdateBehavior": "LOG", "DeleteBehavior": "LOG"},
			"Configuration":      assertions.Match_StringLikeRegexp(jsii.String(`"AddOrUpdateBehavior":"InheritFromTable"`)),
		}))
	})
	check(t, "consumer fields", func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), props(map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{schema.EnvFields: schema.Default})}}))
	})
	// The crawler depends on the table, so that it never makes its own.
	for id, r := range raw["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] != "AWS::Glue::Crawler" {
			continue
		}
		deps, _ := res["DependsOn"].([]any)
		found := false
		for _, d := range deps {
			found = found || strings.HasPrefix(d.(string), "TicksTable")
		}
		if !found {
			t.Errorf("crawler %s does not depend on the table: %v", id, deps)
		}
	}
}

func TestFieldsContext(t *testing.T) {
	for _, tc := range []struct {
		value any
		want  string // the schema, or a part of the error
		bad   bool
	}{
		{value: "venue:string,seq:bigint", want: "venue:string,seq:bigint"},
		{value: []any{map[string]any{"name": "venue", "type": "string"}}, want: "venue:string"},
		{value: "", want: ""},
		{value: "Venue:string", want: `"Venue"`, bad: true},
		{value: "price:double", want: `"price"`, bad: true},
		{value: "venue:text", want: `"text"`, bad: true},
	} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]any{schema.ContextFields: tc.value}})
		s, err := ReadSettings(app)
		if tc.bad {
			if err == nil || !strings.Contains(err.Error(), schema.ContextFields) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: error %v does not name %s and %s", tc.value, err, schema.ContextFields, tc.want)
			}
			continue
		}
		if err != nil || s.Fields.String() != tc.want {
			t.Errorf("%v: got %q, %v; want %q", tc.value, s.Fields.String(), err, tc.want)
		}
	}
}
