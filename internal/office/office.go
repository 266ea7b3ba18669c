// Package office holds Rollout's workflows that span domains, with no HTTP in
// them: creating a project from its template (phases, default milestones,
// starter risks), scheduling and deciding a gate with its whole pack, and the
// project's health with its daily snapshot. The pages, the API, `rollout
// demo` and the command line all call these functions, so each workflow is
// written once and a demo project is what a user would have made.
//
// The package only composes domain functions and passes database handles
// through; queries live in the domain packages.
package office
