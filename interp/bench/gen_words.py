# Deterministic benchmark text: n words drawn Zipf-like from a synthetic vocabulary.
import random
import sys

n = int(sys.argv[1])
rng = random.Random(1)
vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
         for _ in range(50000)]
weights = [1.0 / (i + 1) for i in range(len(vocab))]
words = rng.choices(vocab, weights=weights, k=n)
out = []
for i in range(0, n, 12):
    line = words[i:i + 12]
    out.append(" ".join(w.upper() if j % 7 == 0 else w for j, w in enumerate(line)))
sys.stdout.write("\n".join(out) + "\n")
