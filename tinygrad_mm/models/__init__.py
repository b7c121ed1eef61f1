"""The models layer: what people build with the engine.

    nn.py           micrograd's Module / Neuron / Layer / MLP, each neuron one n-ary dot node
    losses.py       the CS224N max-margin (hinge) loss, an op of its own
    window_scorer.py  the notes' window scorer s = Uᵀf(Wx + b) and the word embeddings
    cs224n.py       the notes' example: a true window and k corrupted ones, J = Σₖ max(0, Δ + s_cₖ − s)
    closed_form.py  the notes' gradients with plain floats (an independent check: no engine)
    datasets.py     two moons and toy NER, generated;  train.py: the two training demos
"""
