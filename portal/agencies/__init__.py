"""Press agencies and sending units: the organizer's list, and the focal point's screens."""

from flask import Blueprint

bp = Blueprint("agencies", __name__)
