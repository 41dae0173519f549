package outdir

// ClaimChart claims a chart's two files, name.png and name.svg (the
// formats charts.Save writes).
func (d *Dir) ClaimChart(name string) error {
	for _, ext := range []string{".png", ".svg"} {
		if err := d.Claim(name + ext); err != nil {
			return err
		}
	}
	return nil
}
