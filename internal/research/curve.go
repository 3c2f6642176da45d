package research

import "math"

// MaxCurvePoints bounds a loss curve, live or recorded.
const MaxCurvePoints = 1000

// Curve is a training loss curve fed one point at a time and held in at
// most MaxCurvePoints points however long the training. It keeps every
// stride-th point added, from the first; when that fills it, every other
// kept point is dropped and the stride doubles, so the kept points stay
// evenly spaced. The latest point is always shown as well, so a curve
// runs from the first point to the last. Points whose loss is not a
// finite number are not kept: they cannot be drawn or stored as JSON.
// The zero Curve is empty and ready; it is not safe for concurrent use.
type Curve struct {
	kept   []LossPoint // the points added at multiples of stride
	latest LossPoint
	added  int
	stride int
}

// Add appends p to the curve.
func (c *Curve) Add(p LossPoint) {
	if math.IsNaN(p.Loss) || math.IsInf(p.Loss, 0) {
		return
	}
	if c.stride == 0 {
		c.stride = 1
	}
	c.latest = p
	if c.added%c.stride == 0 {
		c.kept = append(c.kept, p)
		if len(c.kept) == MaxCurvePoints { // one place is left for the latest point
			for i := 0; i < len(c.kept); i += 2 {
				c.kept[i/2] = c.kept[i]
			}
			c.kept, c.stride = c.kept[:(len(c.kept)+1)/2], c.stride*2
		}
	}
	c.added++
}

// Points returns a copy of the curve's points, nil when it has none.
func (c *Curve) Points() []LossPoint {
	if c.added == 0 {
		return nil
	}
	pts := append(make([]LossPoint, 0, len(c.kept)+1), c.kept...)
	if (c.added-1)%c.stride != 0 { // the latest point is not among the kept
		pts = append(pts, c.latest)
	}
	return pts
}
