package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	lf "github.com/aws/aws-cdk-go/awscdk/v2/awslakeformation"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// LakeFormationGrant is what one principal needs in Lake Formation: permissions on the database and
// on every table in it (the crawler creates the tables, so they cannot be named at deployment).
type LakeFormationGrant struct {
	ID       string
	Role     awsiam.IRole
	Database []string
	Tables   []string
	// DataAccess lets the role ask Lake Formation for credentials to the data
	// (lakeformation:GetDataAccess): for roles that read the data through Glue or Athena, not for
	// one that reads the catalog only.
	DataAccess bool
}

// LakeFormationProps configure the grants.
type LakeFormationProps struct {
	Database *string
	// DependsOn is the database resource: a grant on a database that does not exist yet fails.
	DependsOn awscdk.CfnResource
	Grants    []LakeFormationGrant
}

// NewLakeFormationGrants grants, for accounts where Lake Formation governs the Data Catalog, each
// principal its permissions with AWS::LakeFormation::PrincipalPermissions, and lets the roles that
// read data ask Lake Formation for access to it (lakeformation:GetDataAccess, which has no
// resource-level permissions). The deploying role must be a Lake Formation administrator (or hold the
// permissions with the grant option).
func NewLakeFormationGrants(scope constructs.Construct, id string, p LakeFormationProps) {
	c := constructs.NewConstruct(scope, jsii.String(id))
	account := awscdk.Stack_Of(scope).Account()
	for _, g := range p.Grants {
		principal := &lf.CfnPrincipalPermissions_DataLakePrincipalProperty{DataLakePrincipalIdentifier: g.Role.RoleArn()}
		if len(g.Database) > 0 {
			db := lf.NewCfnPrincipalPermissions(c, jsii.String(g.ID+"Database"), &lf.CfnPrincipalPermissionsProps{
				Principal: principal,
				Resource: &lf.CfnPrincipalPermissions_ResourceProperty{Database: &lf.CfnPrincipalPermissions_DatabaseResourceProperty{
					CatalogId: account, Name: p.Database}},
				Permissions: jsii.Strings(g.Database...), PermissionsWithGrantOption: &[]*string{}})
			db.Node().AddDependency(p.DependsOn)
		}
		if len(g.Tables) > 0 {
			tables := lf.NewCfnPrincipalPermissions(c, jsii.String(g.ID+"Tables"), &lf.CfnPrincipalPermissionsProps{
				Principal: principal,
				Resource: &lf.CfnPrincipalPermissions_ResourceProperty{Table: &lf.CfnPrincipalPermissions_TableResourceProperty{
					CatalogId: account, DatabaseName: p.Database, TableWildcard: map[string]any{}}},
				Permissions: jsii.Strings(g.Tables...), PermissionsWithGrantOption: &[]*string{}})
			tables.Node().AddDependency(p.DependsOn)
		}
		if !g.DataAccess {
			continue
		}
		g.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("lakeformation:GetDataAccess"), Resources: jsii.Strings("*")}))
	}
}
