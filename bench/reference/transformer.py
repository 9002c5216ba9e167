#!/usr/bin/env python3
"""Eager-PyTorch reference measurement for the genrec engine benchmark.

Implements the fixed reference transformer (a small GPT-style decoder) and
times, on CPU:

  (a) one full training step: zero_grad, forward, loss, backward, Adam step;
  (b) one forward pass with loss under torch.no_grad();
  (c) one KV-cache decode step for 640 sequences that already hold 20 tokens
      in their per-layer K/V caches.

Each timing is the median over ``--reps`` repetitions (at least 10) after
``--warmup`` warm-up repetitions.  Peak RSS comes from getrusage.  The last
line printed is one JSON object with the results.

The genrec project does not depend on Python; this script only exists so the
TypeScript/libtorch engine can be compared against a known baseline.

Model (parameter names and shapes, in ``named_parameters()`` order):

  tok_emb.weight            [2048, 128]
  pos_emb.weight            [64, 128]
  blocks.{i}.ln1.weight     [128]        (i = 0, 1)
  blocks.{i}.ln1.bias       [128]
  blocks.{i}.qkv.weight     [384, 128]   rows 0-127 Q, 128-255 K, 256-383 V
  blocks.{i}.qkv.bias       [384]
  blocks.{i}.proj.weight    [128, 128]
  blocks.{i}.proj.bias      [128]
  blocks.{i}.ln2.weight     [128]
  blocks.{i}.ln2.bias       [128]
  blocks.{i}.fc1.weight     [512, 128]
  blocks.{i}.fc1.bias       [512]
  blocks.{i}.fc2.weight     [128, 512]
  blocks.{i}.fc2.bias       [128]
  ln_f.weight               [128]
  ln_f.bias                 [128]
  head.weight               [2048, 128]  (untied, no bias)
"""

import argparse
import json
import math
import os
import re
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB = 2048
D_MODEL = 128
N_HEADS = 4
HEAD_DIM = D_MODEL // N_HEADS  # 32
N_LAYERS = 2
D_FF = 512
MAX_LEN = 64
LN_EPS = 1e-5

BATCH = 64
SEQ = 48
LR = 1e-3

DECODE_BATCH = 640
DECODE_PREFIX = 20


class Block(nn.Module):
    """Pre-LayerNorm transformer block: x + Attn(LN1(x)); x + FFN(LN2(x))."""

    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D_MODEL, eps=LN_EPS)
        self.qkv = nn.Linear(D_MODEL, 3 * D_MODEL, bias=True)
        self.proj = nn.Linear(D_MODEL, D_MODEL, bias=True)
        self.ln2 = nn.LayerNorm(D_MODEL, eps=LN_EPS)
        self.fc1 = nn.Linear(D_MODEL, D_FF, bias=True)
        self.fc2 = nn.Linear(D_FF, D_MODEL, bias=True)

    def _split_heads(self, t):
        # [B, T, D] -> [B, H, T, Dh]
        b, n, _ = t.shape
        return t.view(b, n, N_HEADS, HEAD_DIM).transpose(1, 2)

    def attention(self, x, causal_mask, past=None):
        """Multi-head attention on LN1(x).

        x: [B, T, D].  causal_mask: bool [T, T_total] (True = keep) or None.
        past: optional (k, v), each [B, H, T_past, Dh].
        Returns (output [B, T, D], (k, v) including the new positions).
        """
        b, n, _ = x.shape
        q, k, v = self.qkv(x).split(D_MODEL, dim=-1)
        q = self._split_heads(q)
        k = self._split_heads(k)
        v = self._split_heads(v)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)
            v = torch.cat([past[1], v], dim=2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(HEAD_DIM)
        if causal_mask is not None:
            scores = scores.masked_fill(~causal_mask, float("-inf"))
        probs = torch.softmax(scores, dim=-1)
        out = torch.matmul(probs, v)  # [B, H, T, Dh]
        out = out.transpose(1, 2).reshape(b, n, D_MODEL)
        return self.proj(out), (k, v)

    def forward(self, x, causal_mask, past=None):
        a, kv = self.attention(self.ln1(x), causal_mask, past)
        x = x + a
        h = self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate="tanh"))
        return x + h, kv


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok_emb = nn.Embedding(VOCAB, D_MODEL)
        self.pos_emb = nn.Embedding(MAX_LEN, D_MODEL)
        self.blocks = nn.ModuleList([Block() for _ in range(N_LAYERS)])
        self.ln_f = nn.LayerNorm(D_MODEL, eps=LN_EPS)
        self.head = nn.Linear(D_MODEL, VOCAB, bias=False)
        mask = torch.tril(torch.ones(MAX_LEN, MAX_LEN, dtype=torch.bool))
        self.register_buffer("causal", mask, persistent=False)
        self._init_weights()

    def _init_weights(self):
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, mean=0.0, std=0.02)
                if getattr(m, "bias", None) is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, tokens, caches=None):
        """tokens: [B, T] int64.

        caches: None for a full causal pass from position 0, or a list of
        per-layer (k, v) holding T_past positions; the new tokens then sit at
        positions T_past .. T_past + T - 1.
        Returns (logits [B, T, VOCAB], new per-layer caches).
        """
        _, n = tokens.shape
        past_len = 0 if caches is None else caches[0][0].shape[2]
        pos = torch.arange(past_len, past_len + n, device=tokens.device)
        x = self.tok_emb(tokens) + self.pos_emb(pos)
        if n == 1:
            mask = None  # a single new query may see every cached key
        else:
            mask = self.causal[past_len:past_len + n, :past_len + n]
        new_caches = []
        for i, block in enumerate(self.blocks):
            past = None if caches is None else caches[i]
            x, kv = block(x, mask, past)
            new_caches.append(kv)
        return self.head(self.ln_f(x)), new_caches


def loss_fn(logits, targets):
    return F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))


def blas_info():
    """BLAS actually in use.

    Debian's torch is built with BLAS_INFO=generic and calls whatever
    libblas.so.3 the system alternative points to (netlib reference BLAS,
    OpenBLAS, ...), which changes timings by an order of magnitude, so report
    the resolved file of the loaded library.
    """
    m = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    build = m.group(1) if m else "unknown"
    loaded = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in os.path.basename(path).lower():
                    loaded.add(os.path.realpath(path))
    except OSError:
        pass
    return build + ":" + ",".join(sorted(loaded)) if loaded else build


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples), samples


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1,
                   help="torch intra-op threads (interop is always 1)")
    p.add_argument("--reps", type=int, default=20,
                   help="timed repetitions per measurement (>= 10)")
    p.add_argument("--warmup", type=int, default=2,
                   help="untimed warm-up repetitions (>= 2)")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.threads < 1:
        p.error("--threads must be >= 1")
    if args.reps < 10:
        p.error("--reps must be >= 10")
    if args.warmup < 2:
        p.error("--warmup must be >= 2")
    return args


def main(argv):
    args = parse_args(argv)
    torch.set_num_interop_threads(1)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    model = Transformer()
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)

    gen = torch.Generator().manual_seed(args.seed + 1)
    tokens = torch.randint(0, VOCAB, (BATCH, SEQ), generator=gen)
    targets = torch.randint(0, VOCAB, (BATCH, SEQ), generator=gen)
    prefix = torch.randint(0, VOCAB, (DECODE_BATCH, DECODE_PREFIX),
                           generator=gen)
    next_tok = torch.randint(0, VOCAB, (DECODE_BATCH, 1), generator=gen)

    # (a) full training step.
    def train_step():
        optimizer.zero_grad(set_to_none=True)
        logits, _ = model(tokens)
        loss = loss_fn(logits, targets)
        loss.backward()
        optimizer.step()
        return loss

    model.train()
    first_loss = train_step().item()  # also reported: ~ln(2048) = 7.62
    train_ms, train_s = median_ms(train_step, args.warmup, args.reps)

    # (b) forward + loss without autograd.
    def forward_only():
        with torch.no_grad():
            logits, _ = model(tokens)
            return loss_fn(logits, targets)

    model.eval()
    forward_ms, forward_s = median_ms(forward_only, args.warmup, args.reps)
    eval_loss = forward_only().item()

    # (c) one KV-cache decode step from a 20-token cache.  The prefill is
    # done once, untimed; each step concatenates onto the same (unmodified)
    # prefix caches, so every repetition starts from length 20.
    with torch.no_grad():
        _, prefix_caches = model(prefix)

    def decode_step():
        with torch.no_grad():
            logits, caches = model(next_tok, prefix_caches)
            return logits[:, -1, :], caches

    decode_ms, decode_s = median_ms(decode_step, args.warmup, args.reps)

    # Correctness check (untimed): decode logits vs a full 21-token recompute.
    with torch.no_grad():
        dec_logits, dec_caches = decode_step()
        full_logits, _ = model(torch.cat([prefix, next_tok], dim=1))
        max_diff = (dec_logits - full_logits[:, -1, :]).abs().max().item()
    cache_len = dec_caches[0][0].shape[2]
    assert prefix_caches[0][0].shape[2] == DECODE_PREFIX
    kv_ok = max_diff <= 1e-5 and cache_len == DECODE_PREFIX + 1

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    print(f"torch {torch.__version__}, threads={torch.get_num_threads()}, "
          f"interop={torch.get_num_interop_threads()}, params={n_params}, "
          f"BLAS={blas_info()}")
    print(f"model: vocab {VOCAB}, d_model {D_MODEL}, heads {N_HEADS}, "
          f"layers {N_LAYERS}, ffn {D_FF}, max_len {MAX_LEN}")
    print(f"train batch {BATCH}x{SEQ}; first loss {first_loss:.4f}, "
          f"eval loss after {args.warmup + args.reps + 1} steps "
          f"{eval_loss:.4f}")
    print(f"(a) train step   median {train_ms:9.3f} ms  "
          f"min {min(train_s):9.3f} ms  "
          f"({args.reps} reps after {args.warmup} warm-ups)")
    print(f"(b) forward+loss median {forward_ms:9.3f} ms  "
          f"min {min(forward_s):9.3f} ms")
    print(f"(c) decode step  median {decode_ms:9.3f} ms  "
          f"min {min(decode_s):9.3f} ms  "
          f"({DECODE_BATCH} seqs, cache {DECODE_PREFIX} -> {cache_len})")
    print(f"KV-cache check: max |decode - recompute| = {max_diff:.3e} "
          f"({'OK' if kv_ok else 'FAIL'}, tol 1e-5)")
    print(f"peak RSS {rss_mb:.1f} MB")
    print(json.dumps({
        "train_step_ms": round(train_ms, 3),
        "forward_ms": round(forward_ms, 3),
        "decode_step_ms": round(decode_ms, 3),
        "rss_mb": round(rss_mb, 1),
        "threads": args.threads,
        "torch": torch.__version__,
        "blas": blas_info(),
    }))
    return 0 if kv_ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
