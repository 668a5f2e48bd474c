package main

import (
	"slices"
	"strings"
	"testing"
)

// TestCompactorActions: the compactor's role may do what the compactor does and no more.
func TestCompactorActions(t *testing.T) {
	_, _, raw := synth(t)
	var got []string
	for _, r := range raw["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] != "AWS::IAM::Policy" {
			continue
		}
		p := res["Properties"].(map[string]any)
		ours := false
		for _, role := range asList(p["Roles"]) {
			if ref, _ := role.(map[string]any)["Ref"].(string); strings.HasPrefix(ref, "CompactorServiceRole") || strings.HasPrefix(ref, "CompactorRole") {
				ours = true
			}
		}
		if !ours {
			continue
		}
		for _, st := range asList(p["PolicyDocument"].(map[string]any)["Statement"]) {
			for _, a := range asList(st.(map[string]any)["Action"]) {
				if s := a.(string); !strings.HasPrefix(s, "xray:") && !slices.Contains(got, s) {
					got = append(got, s)
				}
			}
		}
	}
	slices.Sort(got)
	want := []string{"glue:GetPartition", "glue:UpdatePartition", "s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"}
	if !slices.Equal(got, want) {
		t.Fatalf("compactor role's actions: %v, want %v", got, want)
	}
}
