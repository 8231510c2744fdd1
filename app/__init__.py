"""The posture dashboard (Streamlit): ``streamlit run app/dashboard.py`` or ``posture dashboard``.

Thin by design: it calls the public ``posture`` API and draws. Modules: one per tab
(``review``, ``live_tab``, ``compare``), the sidebar (``settings_panel``), shared widgets and
charts, and three modules without Streamlit that tests drive directly: ``sources`` (where
clips come from), ``analyses`` (running and caching analyses) and ``live_worker`` (the
webcam callback's worker).
"""
