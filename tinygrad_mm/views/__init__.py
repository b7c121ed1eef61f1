"""The views layer: everything that shows a graph.  Nothing here changes a ``.grad`` or ``.data``.

    graph.py          the graph model: nodes, ids, names, edges, collapsed scopes, and the recorded pass it shows
    text.py           numbers (one family), node names, the chain-rule sentences
    dot.py            DOT text and running Graphviz;  draw_options.py, drawing_style.py, drawing.py: the drawing
    export.py         svg/png/pdf/dot/json files (atomic writes: tinygrad_mm/files.py)
    trace.py          the backward tape as a table;  explain.py: a gradient as a sum over paths
    viewer.py         the click-through page (templates/), built from page_views.py (one drawing per set of
                      collapsed scopes), page_data.py (every step's text and numbers) and step_state.py
                      (what each step changes on the drawing: the page and the slides apply the same changes)
    slides.py         one PDF page or picture per step, all one size (slide_layout.py); pdf_pages.py: pypdf joins them;
                      animation.py: the frames as one animated SVG;  worksheet.py: blank slots and the answer key
    quiz.py           the page's quiz questions (gates, branches);  branches.py: a shared node's branches, by name
    notebook.py       Jupyter: show() and a Value's own display;  gallery.py: the classroom pictures
    matrix.py         the matrix lens: arrays found from labels, branches, each array's gradient per branch;
                      matrix_formulas.py (the notes' δ = U∘f′(z), δxᵀ, checked), matrix_draw.py (the picture),
                      matrix_page.py (the page's panel, templates/viewer-matrix.js, and the notebook's),
                      matrix_live.py (on a live page: templates/viewer-live-matrix.js recomputes every grid and formula)
"""
