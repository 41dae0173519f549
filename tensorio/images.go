package tensorio

import "fmt"

// ReadImagesNPY reads a batch of images from a .npy file: an NCHW tensor,
// or CHW for one image. It returns the tensor as read and its NCHW shape.
func ReadImagesNPY(path string) (*Tensor, []int, error) {
	x, err := ReadNPYFile(path)
	if err != nil {
		return nil, nil, err
	}
	shape := x.Shape
	if len(shape) == 3 {
		shape = append([]int{1}, shape...)
	}
	if len(shape) != 4 {
		return nil, nil, &Error{Path: path, Msg: fmt.Sprintf("shape %v: expected an NCHW (or CHW) image tensor", x.Shape)}
	}
	return x, shape, nil
}
