// Package fitreport renders a fit.Report: the text table and CSV that
// fnlab fit prints, and the loss charts (normalised test MSE per student
// and stage, whiskers ± one standard deviation over seeds, one chart per
// redundancy) that fnlab fit and fnlab ablate write to their output
// directories.
//
// It lives apart from package fit so that the fitting code does not
// depend on the chart and table packages. Save writes the charts and
// fit.json into an output directory.
package fitreport
