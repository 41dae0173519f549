"""Writes fake_torch_proto4.pt without PyTorch.

CPython's own pickle module, with stand-in `torch` / `torch._utils` modules,
produces the same data.pkl that torch.save(sd, f, pickle_protocol=4) would:
torch.save pickles tensors as torch._utils._rebuild_tensor_v2(...) with a
('storage', torch.FloatStorage, key, 'cpu', numel) persistent id, and the
storages as archive/data/<key>. Protocol 4 exercises FRAME, MEMOIZE,
SHORT_BINUNICODE and STACK_GLOBAL, which the protocol-2 golden files do not.

Run: python3 gen_fake_torch_pth.py   (from this directory)
"""
import collections
import io
import pickle
import struct
import sys
import types
import zipfile

torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")
torch._utils = utils
sys.modules["torch"] = torch
sys.modules["torch._utils"] = utils


def _rebuild_tensor_v2(*args):
    raise NotImplementedError


_rebuild_tensor_v2.__module__ = "torch._utils"
utils._rebuild_tensor_v2 = _rebuild_tensor_v2


class FloatStorage:
    pass


class HalfStorage:
    pass


for cls in (FloatStorage, HalfStorage):
    cls.__module__ = "torch"
    setattr(torch, cls.__name__, cls)


class Storage:
    def __init__(self, key, cls, data):
        self.key, self.cls, self.data = key, cls, data


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride)

    def __reduce_ex__(self, proto):
        s, off, size, stride = self.args
        return (_rebuild_tensor_v2, (s, off, size, stride, False, collections.OrderedDict()))


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            esize = 2 if obj.cls is HalfStorage else 4
            return ("storage", obj.cls, obj.key, "cpu", len(obj.data) // esize)
        return None


s0 = Storage("0", FloatStorage, struct.pack("<6f", 0, 1, 2, 3, 4, 5))
s1 = Storage("1", HalfStorage, struct.pack("<3H", 0x3C00, 0xC000, 0x3800))  # 1, -2, 0.5
sd = collections.OrderedDict()
sd["layer.weight"] = Tensor(s0, 0, (2, 3), (3, 1))
sd["layer.weight_t"] = Tensor(s0, 0, (3, 2), (1, 3))
sd["layer.bias"] = Tensor(s1, 0, (3,), (1,))
ckpt = {"epoch": 3, "model": sd, "best_acc": 71.5, "name": "fasternet_t0"}

buf = io.BytesIO()
Pickler(buf, protocol=4).dump(ckpt)
with zipfile.ZipFile("fake_torch_proto4.pt", "w", zipfile.ZIP_STORED) as z:
    z.writestr("fake_torch_proto4/data.pkl", buf.getvalue())
    z.writestr("fake_torch_proto4/byteorder", "little")
    for s in (s0, s1):
        z.writestr("fake_torch_proto4/data/" + s.key, s.data)
    z.writestr("fake_torch_proto4/version", "3\n")
