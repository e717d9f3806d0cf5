#include "gui/call_list_model.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <algorithm>

namespace sipws::gui {
namespace {

QString qs(const std::string& s) {
  return QString::fromStdString(s);
}

}  // namespace

QColor state_colour(CallState state) {
  switch (state_tone(state)) {
    case StateTone::pending:
      return QColor(0xb3, 0x6b, 0x00);  // amber: still happening
    case StateTone::good:
      return QColor(0x1a, 0x7f, 0x37);  // green
    case StateTone::neutral:
      return QColor(0x1f, 0x5f, 0xa8);  // blue
    case StateTone::bad:
      break;
  }
  return QColor(0xc0, 0x1c, 0x28);  // red: cancelled, rejected, busy, failed, no answer
}

int CallListModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int CallListModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : fieldColumns();
}

const CallRow* CallListModel::row(int r) const {
  return r >= 0 && static_cast<std::size_t>(r) < rows_.size() ? &rows_[static_cast<std::size_t>(r)]
                                                              : nullptr;
}

namespace {
bool numeric(CallField field) {
  return field_is_numeric(call_field(field).value(CallRow{}));
}
}  // namespace

int CallListModel::columnOf(CallField field) {
  const auto fields = gui_call_fields();
  const auto it = std::find(fields.begin(), fields.end(), field);
  return it == fields.end() ? -1 : static_cast<int>(it - fields.begin());
}

int CallListModel::columnWidth(int column) {
  return column >= 0 && column < fieldColumns() ? call_field(fieldOf(column)).width : 0;
}

QVariant CallListModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.parent().isValid()) return {};
  const CallRow* c = row(index.row());
  if (c == nullptr) return {};
  const int column = index.column();
  if (column < 0 || column >= fieldColumns()) return {};
  if (role == CallIndexRole) return QVariant::fromValue<qulonglong>(c->call);
  if (role == StateRole) return static_cast<int>(c->state);
  if (role == SearchTextRole) return qs(call_search_text(*c));
  if (role == MediaRole) return qs(std::string(c->media));
  const CallFieldSpec& field = call_field(fieldOf(column));
  if (role == Qt::DisplayRole) {
    // A window shows times from the first call, durations with a unit, retransmissions beside
    // the count; the rest as every front end writes it.
    switch (field.id) {
      case CallField::start:
        return qs(format_seconds(c->start - origin_));
      case CallField::final_status:
        return c->final_status == 0 ? QVariant() : QVariant(c->final_status);
      case CallField::messages:
        return c->retransmissions == 0
                   ? QString::number(c->messages)
                   : QStringLiteral("%1 (%2 rtx)").arg(c->messages).arg(c->retransmissions);
      case CallField::setup_time:
        return qs(format_duration(c->setup_time));
      case CallField::duration:
        return qs(format_duration(c->duration));
      case CallField::findings:
        return c->findings == 0 ? QVariant() : QVariant(static_cast<qulonglong>(c->findings));
      default:
        return qs(field_text(field.value(*c)));
    }
  }
  if (role == SortRole) {
    const FieldSortKey key = field_sort_key(field.value(*c));
    if (key.numeric) return QVariant::fromValue<qlonglong>(key.number);
    return qs(key.text);
  }
  if (role == Qt::ForegroundRole && field.id == CallField::state)
    return QBrush(state_colour(c->state));
  if (role == Qt::ForegroundRole && field.id == CallField::findings && c->findings > 0)
    return QBrush(QColor(0xc0, 0x1c, 0x28));
  if (role == Qt::FontRole && field.id == CallField::state) {
    QFont bold;
    bold.setBold(true);
    return bold;
  }
  if (role == Qt::TextAlignmentRole && numeric(field.id)) {
    return QVariant(Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role == Qt::ToolTipRole) {
    return QStringLiteral("%1\nstarted %2 UTC\ngroup %3")
        .arg(qs(c->call_id), qs(format_clock(c->start)))
        .arg(c->group);
  }
  return {};
}

QVariant CallListModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  if (section < 0 || section >= fieldColumns()) return {};
  return qs(std::string(call_field(fieldOf(section)).title));
}

void CallListModel::apply(const std::vector<CallRow>& rows) {
  std::size_t first_new = rows.size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto at = static_cast<std::size_t>(rows[i].call);
    if (at >= rows_.size()) {
      first_new = i;
      break;
    }
    rows_[at] = rows[i];
    Q_EMIT dataChanged(index(static_cast<int>(at), 0),
                       index(static_cast<int>(at), fieldColumns() - 1));
  }
  if (first_new < rows.size()) {
    // New calls arrive in index order, right after the known ones.
    const int from = static_cast<int>(rows_.size());
    const int to = from + static_cast<int>(rows.size() - first_new) - 1;
    beginInsertRows({}, from, to);
    for (std::size_t i = first_new; i < rows.size(); ++i) rows_.push_back(rows[i]);
    endInsertRows();
    if (from == 0) {
      origin_ = rows_.front().start;
      if (rows_.size() > 1) {
        const int start = columnOf(CallField::start);
        Q_EMIT dataChanged(index(0, start), index(static_cast<int>(rows_.size()) - 1, start));
      }
    }
  }
}

void CallListModel::applyEndings(const std::vector<CallRowEnding>& endings) {
  bool any = false;
  for (const CallRowEnding& ending : endings) {
    const auto at = static_cast<std::size_t>(ending.call);
    if (at >= rows_.size()) continue;
    apply_ending(rows_[at], ending);
    any = true;
  }
  // One signal for them all: they come at once, for every row.
  if (any) Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, fieldColumns() - 1));
}

void CallListModel::clear() {
  beginResetModel();
  rows_.clear();
  origin_ = 0;
  endResetModel();
}

CallFilterProxy::CallFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(CallListModel::SortRole);
  setDynamicSortFilter(true);
}

void CallFilterProxy::setText(const QString& text) {
  text_ = text.trimmed();
  invalidateFilter();
}

void CallFilterProxy::setStateGroup(StateGroup group) {
  group_ = group;
  invalidateFilter();
}

bool CallFilterProxy::inGroup(CallState state, StateGroup group) {
  return in_state_group(state, group);
}

void CallFilterProxy::setMediaProblems(bool only) {
  media_problems_ = only;
  invalidateFilter();
}

bool CallFilterProxy::filterAcceptsRow(int source_row, const QModelIndex& source_parent) const {
  const QModelIndex i = sourceModel()->index(source_row, 0, source_parent);
  const auto state = static_cast<CallState>(i.data(CallListModel::StateRole).toInt());
  if (!inGroup(state, group_)) return false;
  if (media_problems_) {
    const QString media = i.data(CallListModel::MediaRole).toString();
    if (media != "none" && !media.endsWith("_only")) return false;
  }
  if (text_.isEmpty()) return true;
  const QString haystack = i.data(CallListModel::SearchTextRole).toString();
  // Every word must appear somewhere (case-insensitive).
  for (const QString& word : text_.split(' ', Qt::SkipEmptyParts)) {
    if (!haystack.contains(word, Qt::CaseInsensitive)) return false;
  }
  return true;
}

}  // namespace sipws::gui
