"""winit.torch.init_module (issue 16): default rules give every standard layer the
distributions of its own reset_parameters (KS against torch's construction at alpha =
1e-6, exact for ones/zeros, Embedding's padding row, BatchNorm's running statistics);
each parameter's stream comes from its name (order- and module-independent); rules by
pattern and by module type, their precedence, callables and None; the report and the
warning for uncovered parameters; the meta-device flow; wrapper names; errors."""
import copy
import functools
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")
from torch import nn

import winit
import winit.torch as wt

ALPHA = 1e-6


def layers():
    """Standard layers, built by torch (its own reset_parameters) under a fixed seed."""
    torch.manual_seed(2024)
    out = {
        "Linear": nn.Linear(300, 200),
        "Linear no bias": nn.Linear(64, 48, bias=False),
        "Conv1d": nn.Conv1d(16, 32, 5),
        "Conv2d": nn.Conv2d(16, 32, 3, groups=2),
        "Conv3d": nn.Conv3d(8, 16, 3),
        "ConvTranspose2d": nn.ConvTranspose2d(16, 8, 3),
        "Embedding": nn.Embedding(1000, 64, padding_idx=5),
        "EmbeddingBag": nn.EmbeddingBag(500, 32),
        "LayerNorm": nn.LayerNorm(64),
        "RMSNorm": nn.RMSNorm(64),
        "BatchNorm2d": nn.BatchNorm2d(16),
        "GroupNorm": nn.GroupNorm(4, 16),
        "InstanceNorm1d": nn.InstanceNorm1d(8, affine=True),
        "MultiheadAttention": nn.MultiheadAttention(64, 4),
        "MultiheadAttention kdim": nn.MultiheadAttention(64, 4, kdim=32, vdim=48,
                                                         add_bias_kv=True),
        "RNN": nn.RNN(32, 64, num_layers=2),
        "LSTM": nn.LSTM(32, 64, proj_size=16),
        "GRU": nn.GRU(32, 64, bidirectional=True),
        "LSTMCell": nn.LSTMCell(32, 64),
        "Bilinear": nn.Bilinear(20, 30, 40),
        "PReLU": nn.PReLU(8, init=0.1),
        "Transformer": nn.Transformer(d_model=32, nhead=4, num_encoder_layers=1,
                                      num_decoder_layers=1, dim_feedforward=64),
    }
    return out


LAYERS = layers()


def same_distribution(ours: torch.Tensor, theirs: torch.Tensor, what: str,
                      uniform: bool = False) -> None:
    a = ours.detach().double().reshape(-1).numpy()
    b = theirs.detach().double().reshape(-1).numpy()
    if np.ptp(b) == 0:  # a constant (ones, zeros, PReLU's init)
        assert np.array_equal(a, b), what
        return
    assert np.ptp(a) > 0, what
    p = stats.ks_2samp(a, b).pvalue
    assert p > ALPHA, f"{what}: KS p = {p:.3g}"
    if uniform and len(b) >= 1000:  # the same bound: max |w| within 1% of torch's
        assert abs(np.abs(a).max() / np.abs(b).max() - 1) < 0.01, what


@pytest.mark.parametrize("name", list(LAYERS))
def test_default_rules_are_each_layers_reset_parameters(name):
    ref = LAYERS[name]
    m = copy.deepcopy(ref)
    with torch.no_grad():
        for p in m.parameters():
            p.fill_(123.0)  # whatever was there is overwritten
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every parameter covered: no warning
        report = wt.init_module(m, seed=7)
    assert not report.uncovered
    theirs = dict(ref.named_parameters())
    for pname, p in m.named_parameters():
        assert report[pname].rule.endswith("default"), report[pname]
        how = report[pname].init
        same_distribution(p, theirs[pname], f"{name}.{pname} ({how})", uniform="uniform" in how)


def test_embedding_padding_row_is_zero():
    m = nn.Embedding(50, 8, padding_idx=7)
    wt.init_module(m, seed=1)
    assert (m.weight[7] == 0).all() and (m.weight[6] != 0).all()


def test_batchnorm_running_statistics_are_reset():
    m = nn.BatchNorm1d(6)
    with torch.no_grad():
        m.running_mean.fill_(5.0), m.running_var.fill_(-1.0), m.num_batches_tracked.fill_(9)
    report = wt.init_module(m, seed=1)
    assert (m.running_mean == 0).all() and (m.running_var == 1).all()
    assert int(m.num_batches_tracked) == 0
    assert report.buffers == ["running_mean", "running_var", "num_batches_tracked"]


def test_multihead_attention_zeroes_out_proj_bias_after_linear():
    """A parent's rule beats its child's (torch runs MHA's _reset_parameters after the
    out_proj Linear's): out_proj.bias zero, out_proj.weight Linear's kaiming_uniform."""
    m = nn.MultiheadAttention(16, 2)
    r = wt.init_module(m, seed=3)
    assert (m.out_proj.bias == 0).all()
    assert r["out_proj.bias"].rule == "nn.MultiheadAttention default"
    assert r["out_proj.weight"].init == "kaiming_uniform_(a=sqrt(5))"
    assert float(m.out_proj.weight.detach().abs().max()) <= 1 / 4


# ------------------------------------------------------------------ streams by name

class Pair(nn.Module):
    def __init__(self, order: str, extra: bool = False) -> None:
        super().__init__()
        if extra:
            self.c = nn.Linear(5, 5)
        for n in order:
            setattr(self, n, nn.Linear(12, 9) if n == "a" else nn.Conv2d(3, 4, 3))


def test_values_depend_on_the_seed_and_the_name_only():
    m1, m2 = Pair("ab"), Pair("ba", extra=True)
    wt.init_module(m1, seed=11)
    wt.init_module(m2, seed=11)
    for n in ("a.weight", "a.bias", "b.weight", "b.bias"):
        assert torch.equal(m1.get_parameter(n), m2.get_parameter(n)), n
    m3 = Pair("ab")
    wt.init_module(m3, seed=12)
    assert not torch.equal(m1.a.weight, m3.a.weight)


def test_a_parameters_stream_is_the_fold_in_of_its_name():
    """The frozen rule: parameter n gets winit.Generator(seed).fold_in(n)."""
    m = Pair("ab")
    r = wt.init_module(m, seed=5, rules={"a.bias": winit.normal(std=0.5)})
    root = winit.Generator(5)
    expect = wt.init_(torch.empty(9), winit.normal(std=0.5), generator=root.fold_in("a.bias"))
    assert torch.equal(m.a.bias, expect)
    expect = wt.kaiming_uniform_(torch.empty(4, 3, 3, 3), a=math.sqrt(5),
                                 generator=root.fold_in("b.weight"))
    assert torch.equal(m.b.weight, expect)
    assert r["a.bias"].rule == "rules['a.bias']"


def test_seed_kinds():
    def run(seed):
        m = Pair("ab")
        wt.init_module(m, seed=seed)
        return m.a.weight.detach().clone()

    assert torch.equal(run(3), run(winit.Generator(3)))
    g = winit.Generator(3)
    winit.normal((2,), rng=g)  # its stream position is not used
    assert torch.equal(run(3), run(g))
    torch.manual_seed(0)
    a = run(None)
    torch.manual_seed(0)
    assert torch.equal(a, run(None))
    assert torch.equal(run(torch.Generator().manual_seed(4)),
                       run(torch.Generator().manual_seed(4)))


# ------------------------------------------------------------------ rules

class Block(nn.Module):
    def __init__(self, d: int = 16) -> None:
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))


class MiniGPT(nn.Module):
    def __init__(self, vocab: int = 300, d: int = 16, n: int = 3) -> None:
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(64, d)
        self.h = nn.ModuleList(Block(d) for _ in range(n))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight  # tied


GPT2 = {nn.Linear: {"weight": winit.normal(std=0.02), "bias": winit.zeros()},
        nn.Embedding: winit.normal(std=0.02)}


def test_gpt2_rules():
    m = MiniGPT()
    r = wt.init_module(m, seed=0, rules=GPT2)
    names = [e.name for e in r]
    assert "lm_head.weight" not in names and names.count("wte.weight") == 1  # tied: once
    ws = torch.cat([p.detach().reshape(-1) for n, p in m.named_parameters()
                    if n.endswith("weight") and "ln" not in n])
    p = stats.kstest(ws.double().numpy(), stats.norm(0, 0.02).cdf).pvalue
    assert p > ALPHA
    for n, p_ in m.named_parameters():
        if n.endswith("bias"):
            assert (p_ == 0).all(), n
        if "ln" in n and n.endswith("weight"):
            assert (p_ == 1).all(), n
    assert r["h.0.c_attn.weight"].rule == "rules[nn.Linear]['weight']"
    assert r["h.0.ln_1.weight"].rule == "nn.LayerNorm default"


def test_patterns_beat_types_beat_defaults():
    m = MiniGPT()
    rules = {"*.c_proj.weight": winit.normal(std=1e-3), **GPT2}
    r = wt.init_module(m, seed=0, rules=rules)
    for i in range(3):
        w = m.h[i].c_proj.weight
        assert float(w.std()) < 3e-3
        assert r[f"h.{i}.c_proj.weight"].rule == "rules['*.c_proj.weight']"
        assert float(m.h[i].c_attn.weight.std()) > 0.01


def test_type_rules_plain_value_covers_own_parameters_dict_covers_children():
    m = MiniGPT()
    r = wt.init_module(m, seed=0, rules={Block: {"mlp.*.bias": winit.constant(value=0.5)},
                                         nn.LayerNorm: winit.constant(value=2.0)})
    assert all((blk.mlp[0].bias == 0.5).all() and (blk.mlp[2].bias == 0.5).all()
               for blk in m.h)
    assert (m.h[0].c_attn.bias != 0.5).all()  # not matched: Linear's default
    assert (m.ln_f.weight == 2).all() and (m.ln_f.bias == 2).all()
    assert r["h.1.mlp.2.bias"].rule == "rules[Block]['mlp.*.bias']"


def test_outermost_module_rule_wins():
    m = MiniGPT()
    wt.init_module(m, seed=0, rules={nn.Linear: winit.ones(), Block: {"c_proj.weight":
                                                                      winit.zeros()}})
    assert (m.h[0].c_proj.weight == 0).all() and (m.h[0].c_attn.weight == 1).all()


def test_callable_and_none_values():
    m = MiniGPT()
    before = m.wpe.weight.detach().clone()
    rules = {"wte.weight": functools.partial(wt.trunc_normal_, std=0.02, a=-0.04, b=0.04),
             "wpe.*": None}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = wt.init_module(m, seed=9, rules=rules)
    assert torch.equal(m.wpe.weight, before)
    assert r["wpe.weight"].init.startswith("left as it is")
    expect = wt.trunc_normal_(torch.empty(300, 16), std=0.02, a=-0.04, b=0.04,
                              generator=winit.Generator(9).fold_in("wte.weight"))
    assert torch.equal(m.wte.weight, expect)
    assert r["wte.weight"].init == "trunc_normal_(std=0.02, a=-0.04, b=0.04)"


class Custom(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.scale = nn.Parameter(torch.full((4,), 3.0))
        self.gate = nn.Parameter(torch.full((2, 2), 3.0))


def test_uncovered_parameters_are_left_and_named_in_a_warning():
    m = Custom()
    with pytest.warns(UserWarning, match=r"no rule covers 2 parameter\(s\).*scale, gate"):
        r = wt.init_module(m, seed=0)
    assert r.uncovered == ["scale", "gate"]
    assert (m.scale == 3).all() and (m.gate == 3).all()
    assert "2 uncovered" in repr(r) and "no rule" in str(r)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wt.init_module(m, seed=0, rules={"scale": winit.ones(), Custom: {"gate": winit.zeros()}})
    assert (m.scale == 1).all() and (m.gate == 0).all()
    with pytest.warns(UserWarning, match="4 parameter"):
        r = wt.init_module(m, seed=0, defaults=False)


def test_report():
    m = nn.Sequential(nn.Linear(8, 4), nn.LayerNorm(4))
    r = wt.init_module(m, seed=0)
    assert len(r) == 4 and [e.name for e in r] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert repr(r) == "InitReport(4 of 4 parameters initialized, 44 values; 0 uncovered)"
    text = str(r)
    assert "0.weight" in text and "kaiming_uniform_(a=sqrt(5))" in text and "(4, 8)" in text
    assert r["0.bias"].init == "uniform_(+-1/sqrt(fan_in=8))" and r["0.bias"].size == 4
    with pytest.raises(KeyError):
        r["nope"]


# ------------------------------------------------------------------ the meta-device flow

class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(100, 32, padding_idx=0)
        self.conv = nn.Conv1d(32, 32, 3)
        self.attn = nn.MultiheadAttention(32, 4)
        self.norm = nn.BatchNorm1d(32)
        self.rnn = nn.GRU(32, 16)
        self.head = nn.Linear(16, 10)


def test_meta_device_flow_equals_a_cpu_built_model():
    with torch.device("meta"):
        m = Net()
    assert all(p.is_meta for p in m.parameters())
    m.to_empty(device="cpu")
    wt.init_module(m, seed=0)
    ref = Net()
    wt.init_module(ref, seed=0)
    for (n, p), (_, q) in zip(m.state_dict().items(), ref.state_dict().items()):
        assert torch.equal(p, q), n


def test_meta_parameters_are_refused_before_anything_is_written():
    m = Net()
    m.head.to_empty(device="meta")
    m.head = m.head.to("meta")
    before = copy.deepcopy(m.emb.weight.detach())
    with pytest.raises(ValueError, match="meta device.*to_empty"):
        wt.init_module(m, seed=0)
    assert torch.equal(m.emb.weight, before)


def test_other_errors():
    with pytest.raises(TypeError, match="nn.Module"):
        wt.init_module(torch.empty(3), seed=0)
    m = nn.Linear(3, 3)
    with pytest.raises(TypeError, match="rules"):
        wt.init_module(m, seed=0, rules=[("weight", winit.ones())])
    with pytest.raises(TypeError, match="keys"):
        wt.init_module(m, seed=0, rules={3: winit.ones()})
    with pytest.raises(TypeError, match="winit initializer"):
        wt.init_module(m, seed=0, rules={"weight": "ones"})
    with pytest.raises(TypeError, match="winit initializer"):
        wt.init_module(m, seed=0, rules={nn.Linear: {"weight": 1.0}})
    with pytest.raises(ValueError, match="lazy"):
        wt.init_module(nn.LazyLinear(4), seed=0)
    m = Custom()
    m.count = nn.Parameter(torch.zeros(3, dtype=torch.int64), requires_grad=False)
    before = m.proj.weight.detach().clone()
    with pytest.raises(TypeError, match="count.*int64"):
        wt.init_module(m, seed=0, rules={"*": winit.normal()})
    assert torch.equal(m.proj.weight, before)  # checked before anything was written


# ------------------------------------------------------------------ wrappers

def test_wrapper_names_are_stripped():
    from torch.distributed.algorithms._checkpoint.checkpoint_wrapper import checkpoint_wrapper
    ref = MiniGPT()
    wt.init_module(ref, seed=4, rules=GPT2)
    m = MiniGPT()
    for i, blk in enumerate(m.h):
        m.h[i] = checkpoint_wrapper(blk)
    assert any("_checkpoint_wrapped_module" in n for n, _ in m.named_parameters())
    r = wt.init_module(m, seed=4, rules=GPT2)
    assert "h.0.c_attn.weight" in [e.name for e in r]
    assert torch.equal(m.h[1].c_proj.weight, ref.h[1].c_proj.weight)
    dp = nn.DataParallel(MiniGPT())  # DDP's naming: a leading "module."
    assert all(n.startswith("module.") for n, _ in dp.named_parameters())
    r = wt.init_module(dp, seed=4, rules=GPT2)
    assert r.entries[0].name == "wte.weight"
    assert torch.equal(dp.module.h[0].mlp[0].weight, ref.h[0].mlp[0].weight)
    compiled = torch.compile(MiniGPT())  # nothing is compiled until it is called
    assert any(n.startswith("_orig_mod.") for n, _ in compiled.named_parameters())
    wt.init_module(compiled, seed=4, rules=GPT2)
    assert torch.equal(compiled.h[2].mlp[0].weight, ref.h[2].mlp[0].weight)
