package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
)

// DefaultZoneIDs are the zones the private subnets take in us-east-1 when the deployer names none.
// Zone names map to different zone IDs in each account, and MSK places no client subnet in
// use1-az3, which is us-east-1a or 1b or ... in some accounts; use1-az1 and use1-az2 are open to
// every account and to MSK. In other regions the subnets take the region's first two zones by name.
var DefaultZoneIDs = []string{"use1-az1", "use1-az2"}

// PlaceSubnets puts the VPC's private subnets in zones chosen by zone ID: ids, in order, or, with
// none, DefaultZoneIDs in us-east-1 (decided at deployment, by a condition on the region) and the
// first zones by name elsewhere. CloudFormation's AWS::EC2::Subnet takes AvailabilityZoneId in
// place of AvailabilityZone, so each subnet's zone is overridden in the template.
func PlaceSubnets(stack awscdk.Stack, vpc awsec2.Vpc, ids []string) {
	subnets := *vpc.IsolatedSubnets()
	var inUSEast1 awscdk.CfnCondition
	if len(ids) == 0 {
		inUSEast1 = awscdk.NewCfnCondition(stack, jsii.String("InUsEast1"), &awscdk.CfnConditionProps{
			Expression: awscdk.Fn_ConditionEquals(stack.Region(), jsii.String("us-east-1"))})
	}
	for i, sn := range subnets {
		cfn := sn.Node().DefaultChild().(awsec2.CfnSubnet)
		if len(ids) > 0 {
			cfn.AddPropertyDeletionOverride(jsii.String("AvailabilityZone"))
			cfn.AddPropertyOverride(jsii.String("AvailabilityZoneId"), jsii.String(ids[i]))
			continue
		}
		// Both properties are present, each with the other's condition negated: CloudFormation
		// resolves one to AWS::NoValue, which the template check cannot see.
		awscdk.Validations_Of(cfn).Acknowledge(&awscdk.Acknowledgment{Id: jsii.String("CloudFormation-Validate::F3020"),
			Reason: jsii.String("AvailabilityZone and AvailabilityZoneId are exclusive by condition (Fn::If with AWS::NoValue)")})
		byName := awscdk.Fn_Select(jsii.Number(float64(i)), awscdk.Fn_GetAzs(jsii.String("")))
		cfn.AddPropertyOverride(jsii.String("AvailabilityZone"),
			awscdk.Fn_ConditionIf(inUSEast1.LogicalId(), awscdk.Aws_NO_VALUE(), byName))
		cfn.AddPropertyOverride(jsii.String("AvailabilityZoneId"),
			awscdk.Fn_ConditionIf(inUSEast1.LogicalId(), jsii.String(DefaultZoneIDs[i%len(DefaultZoneIDs)]), awscdk.Aws_NO_VALUE()))
	}
}
