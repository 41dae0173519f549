// Package report renders fnlab's results for people and scripts: aligned
// text tables, CSV and JSON documents with stable snake_case fields. It
// formats; it computes nothing that the analyses do not already give.
//
// Numbers in text tables are shortened with SI suffixes (K = 1e3, M = 1e6,
// G = 1e9, T = 1e12) to four significant digits; exact values are in the
// JSON and CSV outputs and in the totals line under each table. MACs
// (multiply-adds) and FLOPs are always separate columns.
//
// Beside the analysis tables it prints the other commands' results:
// BenchTable (a bench run, per-step time next to MACs) and PresetTable
// (the built-in specs, Presets).
package report
