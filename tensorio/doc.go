// Package tensorio reads and writes the tensor files that PyTorch and NumPy
// produce, so that fnlab's Go kernels can run models trained in Python.
//
// Everything is converted to [Tensor]: a dense, row-major (C order) float32
// array with a shape. Named collections such as state dicts are returned as
// a [State], which keeps the tensors' order in the file in State.Names.
//
// # Formats
//
// NumPy .npy ([ReadNPY], [ReadNPYFile], [WriteNPY], [WriteNPYFile]):
// format versions 1.0, 2.0 and 3.0. The header dict is parsed as a Python
// literal (single or double quotes, keys in any order, Python 2 "3L"
// suffixes). Shapes may be () for a scalar, (n,) for a vector, or have zero
// dimensions. Accepted dtypes: f2, f4, f8, i1, i2, i4, i8, u1, u2, u4, u8
// and b1, little-endian ('<', '|' or '=') or big-endian ('>'); one-letter
// codes such as '<f' are accepted too. fortran_order True, structured
// (record) dtypes and complex, string or object dtypes are rejected.
// Writing always produces version 1.0 (2.0 only if the header would not fit),
// dtype '<f4', C order, with the header padded to a multiple of 64 bytes
// exactly as NumPy pads it, so a float32 array read and written back is
// byte-identical to NumPy's file.
//
// NumPy .npz ([ReadNPZ]): a zip of .npy members, stored or deflated, as
// written by np.savez and np.savez_compressed; member "x.npy" becomes
// tensor "x".
//
// safetensors ([ReadSafetensors], [WriteSafetensors]): an 8-byte
// little-endian header length, a JSON header mapping names to
// {"dtype", "shape", "data_offsets"} (plus optional "__metadata__", a map of
// strings returned in State.Metadata), then the data. Accepted dtypes: F32,
// F16, BF16, F64, I64, I32, I16, I8, U64, U32, U16, U8 and BOOL. The reader
// checks the header length against the file, the JSON syntax, that every
// tensor has the three fields, that its offsets lie inside the data section
// and span exactly numel*dtype-size bytes, that no two tensors overlap and
// that no name repeats. Gaps between tensors are tolerated. State.Names
// follows the header's key order. The writer stores every tensor as F32,
// contiguously in State.Names order, pads the header with spaces to a
// multiple of 8 bytes and writes through a temporary file renamed into place.
//
// PyTorch .pth / .pt / .bin / .tar / .ckpt ([ReadPTH]): the zip-based
// torch.save format used by torch >= 1.6 (a data.pkl pickle plus one record
// per storage under <archive>/data/, an optional byteorder record). The
// pickle is decoded by a restricted unpickler of this package that executes
// nothing and accepts what torch.load(weights_only=True) accepts:
// torch._utils._rebuild_tensor_v2 (and _rebuild_tensor, _rebuild_parameter,
// _rebuild_parameter_with_state, torch._tensor._rebuild_from_type_v2), the
// torch.*Storage classes, collections.OrderedDict, torch.Size, torch dtypes
// and devices, and plain containers and scalars. Any other name (os.system,
// builtins.eval, subprocess.Popen, argparse.Namespace, numpy scalars, ...)
// anywhere in the file makes the load fail with the key path where it sits,
// e.g. ["optimizer"]["hook"]; torch.load(weights_only=True) refuses the same
// files. The unpickler's work is bounded by the pickle's size: at most
// 4 steps per byte (one per opcode and one per item moved), 1<<20 stack
// items, 64 open MARKs, 1<<20 memo entries and containers nested 64 deep,
// each checked as the opcodes run; the graph it builds is walked once per
// object, so shared and cyclic structures cost their size, not their paths.
// The top-level object may be a state dict or a dict that holds one under
// "state_dict", "model_state_dict", "model" or "module" (checked in that
// order, one more level of wrapping allowed). Entries whose key ends in "_extra_state" are
// skipped. If every key starts with "module." (nn.DataParallel) the prefix
// is stripped. Tensors may be views: the storage offset and strides are
// honoured and each tensor is copied out as its own contiguous array, so
// tensors that shared a storage in PyTorch do not share memory here.
// Storage types Float, Half, BFloat16, Double, Long, Int, Short, Char, Byte
// and Bool are accepted; big-endian checkpoints (byteorder "big") are
// byte-swapped. The legacy pre-1.6 format and TorchScript archives are
// rejected with a message saying so.
//
// [Load] picks the reader from the file extension. [LoadExpect] also
// checks every tensor's name and shape with an [Expect] before any tensor
// data is read (all of them before the first tensor's data), so a file
// that does not fit the model costs nothing to refuse; [ExpectShapes] reads
// only the tensors a model needs (engine.LoadWeights uses it).
//
// # Compressed members
//
// Zip members (.npz members, .pth records) are checked before they are
// decompressed: a stored member must occupy exactly its declared size; a
// deflated one may expand at most 256:1, beyond 64 MiB per archive shared
// by all its members (1 MiB for a data.pkl) (PyTorch
// stores its records, and trained weights deflate by 1.1 to 2, so honest
// files never meet this); and no member is read past the size its zip
// header declares (an .npz member must end exactly there, which also makes
// the zip reader verify its CRC). A .npz is read in two passes: every
// member's .npy header first, then the data.
//
// # Conversions
//
// float16 and bfloat16 are widened exactly (subnormals, infinities and NaNs
// preserved). float64 is rounded to the nearest float32 (values beyond the
// float32 range become ±Inf). Integers are converted with Go's int-to-float32
// conversion, exact up to 2^24 in magnitude; this is meant for bookkeeping
// tensors such as BatchNorm's num_batches_tracked (int64), which model
// loaders ignore. Booleans become 0 and 1.
//
// # Error policy
//
// Readers never panic on malformed input and never allocate on the strength
// of a size that the input merely claims: every length, shape, offset and
// stride is validated against the file size and against fixed caps before
// memory is allocated. The caps are MaxTensorElements (1<<30 elements, 4 GiB
// as float32) per tensor, 4 GiB per storage record, 100 MB for a
// safetensors header (as the reference implementation), 1 MiB for a .npy
// header, 256 MiB for a data.pkl, and 1<<24 elements for a PyTorch view that
// has more elements than its storage (a broadcast made with expand()); all
// the tensors of a checkpoint together may copy at most 4 times the
// elements of their storages (plus 1<<24), since each view is copied out.
// A .npy stream whose size is unknown is read in bounded chunks so that a
// truncated stream fails before a large buffer is allocated. The pickle
// opcode stream is checked (every length-prefixed argument must fit in the
// remaining bytes) before the unpickler runs.
//
// Every error returned by the readers and writers is a single line that starts with the file path (or "npy:"
// for [ReadNPY] on a plain reader) and says what was expected and what was
// found, for example
//
//	weights.safetensors: tensor "head.weight": data offsets [0, 400) exceed the 200 bytes of data
//
// These errors are of type *[Error]; those caused by the operating system unwrap
// to the underlying error, so errors.Is(err, fs.ErrNotExist) works.
package tensorio
