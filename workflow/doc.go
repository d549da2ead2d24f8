// Package workflow holds rightsdesk's domain rules: the states of cases and
// tasks and the transitions between them, the deadline calculus for GDPR and
// Openness Act requests (legal.md DL-1..DL-11, FI-2) on a Finnish working-day
// calendar, which rights apply to which legal basis, and the identity rules
// such as henkilötunnus validation and masking (ID-3, ID-4). Rule ids from
// legal.md are cited in comments and test names so that each rule can be
// traced to the code that implements it and the test that proves it.
package workflow
