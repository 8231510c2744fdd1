"""Data types, settings and the pure maths: landmarks, geometry, the body frame, filtering,
measures.
"""
