package sfn

import (
	"testing"
	"time"
)

// The examples of the Amazon States Language specification, run as the specification says they run.

func TestSpecChoiceExample(t *testing.T) {
	def := `{"StartAt":"ChoiceStateX","States":{
		"ChoiceStateX":{"Type":"Choice","Choices":[
			{"Not":{"Variable":"$.type","StringEquals":"Private"},"Next":"Public"},
			{"Variable":"$.value","NumericEquals":0,"Next":"ValueIsZero"},
			{"And":[{"Variable":"$.value","NumericGreaterThanEquals":20},{"Variable":"$.value","NumericLessThan":30}],"Next":"ValueInTwenties"}],
			"Default":"DefaultState"},
		"Public":{"Type":"Pass","Result":"Public","End":true},
		"ValueIsZero":{"Type":"Pass","Result":"ValueIsZero","End":true},
		"ValueInTwenties":{"Type":"Pass","Result":"ValueInTwenties","End":true},
		"DefaultState":{"Type":"Fail","Error":"DefaultStateError","Cause":"No Matches!"}}}`
	for input, want := range map[string]string{
		`{"type":"Public","value":22}`:  "Public",
		`{"type":"Private","value":0}`:  "ValueIsZero",
		`{"type":"Private","value":22}`: "ValueInTwenties",
		`{"type":"Private","value":35}`: "DefaultStateError",
	} {
		res, _ := execute(t, nil, def, input)
		got, _ := res.Output.(string)
		if res.Err != nil {
			got = res.Err.Name
		}
		if got != want {
			t.Errorf("%s: %s, want %s", input, got, want)
		}
	}
}

// TestSpecRetryExample: "ErrorA" and "ErrorB" are retried twice, 1 and 2 seconds apart; "ErrorC"
// three times (the default), 5, 10 and 20 seconds apart (the default backoff rate, 2.0); then the
// catcher takes over.
func TestSpecRetryExample(t *testing.T) {
	for errName, want := range map[string]struct {
		calls int
		slept time.Duration
	}{
		"ErrorA": {3, 3 * time.Second},
		"ErrorB": {3, 3 * time.Second},
		"ErrorC": {4, 35 * time.Second},
		"ErrorD": {1, 0},
	} {
		calls := 0
		tasks := taskFunc{"arn:x": func(any) (any, error) { calls++; return nil, &Error{Name: errName, Cause: "c"} }}
		def := `{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"arn:x","Next":"Y",
			"Retry":[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2,"MaxAttempts":2},
			         {"ErrorEquals":["ErrorC"],"IntervalSeconds":5}],
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}]},
			"Y":{"Type":"Succeed"},"Z":{"Type":"Pass","End":true}}}`
		res, clk := execute(t, tasks, def, `{}`)
		if res.Err != nil || calls != want.calls || clk.Slept() != want.slept {
			t.Errorf("%s: %d calls, slept %v, err %v; want %d calls, %v", errName, calls, clk.Slept(), res.Err, want.calls, want.slept)
		}
		if got := jsonOf(t, res.Output); got != `{"Cause":"c","Error":"`+errName+`"}` {
			t.Errorf("%s: catcher output %s", errName, got)
		}
	}
}

// TestSpecPathExamples: the ResultPath and Parameters examples.
func TestSpecPathExamples(t *testing.T) {
	tasks := taskFunc{"arn:hello": func(any) (any, error) { return "Hello", nil }}
	res, _ := execute(t, tasks, `{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"arn:hello","ResultPath":"$.master.detail","End":true}}}`,
		`{"master":{"detail":[1,2,3]}}`)
	if got := jsonOf(t, res.Output); got != `{"master":{"detail":"Hello"}}` {
		t.Errorf("ResultPath: %s", got)
	}
	res, _ = execute(t, nil, `{"StartAt":"X","States":{"X":{"Type":"Pass","InputPath":"$.order","Parameters":{
		"comment":"Example for Parameters",
		"product":{"details":{"color":"blue","size":"small","material":"cotton"},"availability":"in stock","sku":"2317","cost.$":"$.cost"}},
		"End":true}}}`, `{"order":{"cost":"$23"}}`)
	want := `{"comment":"Example for Parameters","product":{"availability":"in stock","cost":"$23","details":{"color":"blue","material":"cotton","size":"small"},"sku":"2317"}}`
	if got := jsonOf(t, res.Output); got != want {
		t.Errorf("Parameters: %s", got)
	}
}

// TestSpecIntrinsicExamples: the intrinsic functions' examples.
func TestSpecIntrinsicExamples(t *testing.T) {
	def := `{"StartAt":"X","States":{"X":{"Type":"Pass","Parameters":{
		"greeting.$":"States.Format('Hello, my name is {}.', $.name)",
		"parsed.$":"States.StringToJson($.someString)",
		"text.$":"States.JsonToString($.someJson)",
		"array.$":"States.Array('Foo', 2020, $.someJson, null)"},"End":true}}}`
	res, _ := execute(t, nil, def, `{"name":"Arnav","someString":"{\"number\": 20}","someJson":{"name":"Foo","year":2020}}`)
	want := `{"array":["Foo",2020,{"name":"Foo","year":2020},null],"greeting":"Hello, my name is Arnav.","parsed":{"number":20},"text":"{\"name\":\"Foo\",\"year\":2020}"}`
	if res.Err != nil || jsonOf(t, res.Output) != want {
		t.Fatalf("%v: %s\nwant %s", res.Err, jsonOf(t, res.Output), want)
	}
}
